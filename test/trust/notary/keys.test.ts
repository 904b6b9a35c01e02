import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeKeyId, decodeBase64Strict, decodeKey } from '../../../src/trust/notary/keys.js';
import { certKey, newKey } from '../helpers/notary-repo.js';

test('key ID: spec §5 worked example (stage1 timestamp ed25519 key)', () => {
  assert.equal(computeKeyId('ed25519', '9ysijfg6HAMsOLFMze7LVdaFpMhib9fKyPihl0rPWe0='), '058e4df15ace04c1855c017fe49b3efba092d5d632ffb5e6c18a3503451c8278');
});

test('decodeKey: every key type loads, IDs recomputed, x509 canonical ID over the SPKI', () => {
  for (const k of [newKey('ecdsa'), newKey('ecdsa-p384'), newKey('ed25519'), newKey('rsa'), certKey({ cn: 'example.com/x' }), certKey({ cn: 'example.com/x', kind: 'rsa' })]) {
    const d = decodeKey(k);
    assert.equal(d.id, k.id, k.keytype);
    assert.ok(d.key, `${k.keytype}: ${d.problem}`);
    if (k.keytype.endsWith('-x509')) {
      assert.notEqual(d.canonicalId, d.id);
      assert.equal(d.canonicalId, computeKeyId(k.keytype.replace('-x509', ''), d.key.spki.toString('base64')));
    } else assert.equal(d.canonicalId, d.id);
  }
});

test('decodeKey: unusable keys carry a problem, never throw', () => {
  assert.match(decodeKey({ keytype: 'dsa', public: 'AAAA' }).problem!, /not one of/);
  assert.match(decodeKey({ keytype: 'ed25519', public: 'AAAA' }).problem!, /32 bytes/);
  assert.match(decodeKey({ keytype: 'ecdsa', public: 'not base64!' }).problem!, /base64/);
  assert.match(decodeKey({ keytype: 'ecdsa', public: Buffer.from('garbage').toString('base64') }).problem!, /malformed|SubjectPublicKeyInfo/);
  const rsa = newKey('rsa');
  assert.match(decodeKey({ keytype: 'ecdsa', public: rsa.public }).problem!, /holds a rsa/);
  assert.match(decodeKey({ keytype: 'ecdsa-x509', public: Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64') }).problem!, /certificate/);
});

test('strict base64: padding and trailing bits must round-trip', () => {
  assert.deepEqual(decodeBase64Strict('AAE='), Buffer.from([0, 1]));
  assert.equal(decodeBase64Strict('AAF='), undefined);
  assert.equal(decodeBase64Strict('AAE'), undefined);
  assert.equal(decodeBase64Strict('AA\nE='), undefined);
});

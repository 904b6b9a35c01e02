import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { assertStrongKey, encryptPrivateKey, generateP256, keysMatch, loadPrivateKey, parsePublicKey, spkiDer, subjectKeyId } from '../../src/core/keys.js';
import { SwarmguardError } from '../../src/errors.js';
import { corporaDir, hasCorpora, NO_CORPORA } from '../helpers/env.js';
import { makeKey } from '../helpers/csr.js';

function typedOrOk(run: () => unknown, label: string): boolean {
  const t0 = performance.now();
  try {
    run();
    return true;
  } catch (e) {
    assert.ok(e instanceof SwarmguardError, `${label}: non-typed error ${String(e)}`);
    return false;
  } finally {
    assert.ok(performance.now() - t0 < 5_000, `${label}: took too long`);
  }
}

test('encrypt at rest, load back with the passphrase; wrong or missing passphrase is a typed error', () => {
  const k = generateP256();
  const pem = encryptPrivateKey(k.privateKey, Buffer.from('pass phrase'));
  assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.ok(keysMatch(loadPrivateKey(pem, Buffer.from('pass phrase'), 'k'), k.publicKey));
  assert.throws(() => loadPrivateKey(pem, Buffer.from('nope'), 'k'), { code: 'ERR_KEY_PASSPHRASE' });
  assert.throws(() => loadPrivateKey(pem, undefined, 'k'), { code: 'ERR_KEY_PASSPHRASE' });
  assert.throws(() => loadPrivateKey('garbage', undefined, 'k'), { code: 'ERR_KEY_MALFORMED' });
});

test('key strength: SwarmKit\'s rules (spec 2.3)', () => {
  assert.equal(assertStrongKey(makeKey({ ec: 'P-384' }).publicKey, 'k').curve, 'P-384');
  assert.equal(assertStrongKey(makeKey({ rsa: 2048 }).publicKey, 'k').bits, 2048);
  assert.throws(() => assertStrongKey(makeKey({ rsa: 1024 }).publicKey, 'k'), { code: 'ERR_KEY_WEAK' });
  assert.throws(() => assertStrongKey(makeKey({ ec: 'secp256k1' }).publicKey, 'k'), { code: 'ERR_KEY_WEAK' });
  assert.throws(() => assertStrongKey(makeKey({ ed25519: true }).publicKey, 'k'), { code: 'ERR_KEY_UNSUPPORTED' });
});

test('SKI is SHA-1 of the subjectPublicKey bits', () => {
  const k = generateP256();
  assert.equal(subjectKeyId(spkiDer(k.publicKey)).length, 20);
  assert.ok(parsePublicKey(spkiDer(k.publicKey)).equals(k.publicKey));
});

test('pyca-cryptography key vectors: every file the oracle rejects is rejected; none crash', (t) => {
  const dir = path.join(corporaDir, 'pyca-cryptography-vectors');
  if (!hasCorpora || !existsSync(dir)) return t.skip(NO_CORPORA);
  const { files } = JSON.parse(readFileSync(path.join(dir, 'manifest.pyca-oracle.json'), 'utf8')) as {
    files: Record<string, { kind: string; loads?: boolean; password?: string | null }>;
  };
  let agree = 0;
  let total = 0;
  const wronglyAccepted: string[] = [];
  for (const [rel, o] of Object.entries(files)) {
    if (o.kind !== 'private_key' && o.kind !== 'public_key') continue;
    const buf = readFileSync(path.join(dir, rel));
    const ok = typedOrOk(() => (o.kind === 'private_key' ? loadPrivateKey(buf, o.password ? Buffer.from(o.password) : undefined, rel) : parsePublicKey(buf, rel)), rel);
    total++;
    if (ok === (o.loads !== false)) agree++;
    else if (ok) wronglyAccepted.push(rel);
  }
  t.diagnostic(`pyca key vectors: ${agree}/${total} agree with pyca/cryptography`);
  assert.deepEqual(wronglyAccepted, []);
  assert.ok(total >= 50, `only ${total} key vectors`);
});

test('boringssl fuzz seeds (pkcs8, privkey, spki): a value or a typed error, never a crash or hang', (t) => {
  const dir = path.join(corporaDir, 'boringssl-fuzz');
  if (!hasCorpora || !existsSync(dir)) return t.skip(NO_CORPORA);
  let n = 0;
  for (const [sub, run] of [
    ['pkcs8_corpus', (b: Buffer) => loadPrivateKey(b, undefined, 'seed')],
    ['privkey_corpus', (b: Buffer) => loadPrivateKey(b, undefined, 'seed')],
    ['spki_corpus', (b: Buffer) => parsePublicKey(b, 'seed')],
  ] as const) {
    for (const f of readdirSync(path.join(dir, sub))) {
      const buf = readFileSync(path.join(dir, sub, f));
      typedOrOk(() => run(buf), `${sub}/${f}`);
      n++;
    }
  }
  assert.ok(n >= 90, `only ${n} seeds`);
});

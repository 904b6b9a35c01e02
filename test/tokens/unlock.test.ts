import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { parsePem, toPem } from '../../src/core/pem.js';
import { decodeRecordHeader, encodeRecordHeader, openRecord, parseRecord, RecordAlgorithm, sealRecord, serializeRecord } from '../../src/tokens/dek-record.js';
import { parseNodeKeyFile } from '../../src/tokens/node-key.js';
import { encryptPbes2, parseEncryptedPrivateKeyInfo, swarmkitLayoutDeviations } from '../../src/tokens/pbes2.js';
import { rekeyNodeKey } from '../../src/tokens/rekey.js';
import { formatUnlockKey, parseUnlockKey } from '../../src/tokens/unlock-key.js';
import { verifyUnlockKey } from '../../src/tokens/unlock-verify.js';
import { makeLockedNodeKey, makeNodeCert, makeUnlockedNodeKey } from './fixtures.js';

test('unlock key: SWMKEY-1- + unpadded std base64 of 32 bytes, strictly', () => {
  const kek = randomBytes(32);
  const text = formatUnlockKey(kek);
  assert.equal(text.length, 9 + 43);
  assert.deepEqual(parseUnlockKey(text + '\n'), kek);
  for (const bad of ['', 'SWMKEY-2-abc', text + '=', text.slice(0, -1), text.replace(/.$/, '!'), 'SWMTKN-1-abc', `SWMKEY-1-${Buffer.alloc(16).toString('base64').replace(/=+$/, '')}`]) {
    assert.throws(() => parseUnlockKey(bad), (e: { code: string; message: string }) => e.code === 'ERR_UNLOCK_KEY_MALFORMED' && !e.message.includes(text.slice(9)));
  }
  // Non-canonical last character (stray low bits): Go would accept, we refuse to be sure the bytes are what was written.
  const last = text.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const bumped = text.slice(0, -1) + alphabet[(alphabet.indexOf(last) & ~3) + ((alphabet.indexOf(last) & 3) === 0 ? 1 : 0)];
  assert.throws(() => parseUnlockKey(bumped), { code: 'ERR_UNLOCK_KEY_MALFORMED' });
});

test('PBES2 writer: exactly SwarmKit\'s layout, and OpenSSL (through Node) opens it with the raw KEK bytes', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kek = randomBytes(32);
  const der = encryptPbes2(privateKey.export({ type: 'pkcs8', format: 'der' }), kek);
  const p = parseEncryptedPrivateKeyInfo(der);
  assert.equal(p.iterations, 2048);
  assert.equal(p.salt.length, 8);
  assert.equal(p.iv.length, 16);
  assert.equal(p.prf, undefined);
  assert.deepEqual(swarmkitLayoutDeviations(p), []);
  // 30 81 .. | 30 .. 06 09 PBES2 | 30 .. | 30 .. 06 09 PBKDF2 30 0e 04 08 <salt> 02 02 08 00 | 30 1d 06 09 aes256cbc 04 10 <iv>
  assert.match(der.toString('hex'), /06092a864886f70d01050d30..30..06092a864886f70d01050c300e0408[0-9a-f]{16}02020800301d060960864801650304012a0410/);
  const opened = createPrivateKey({ key: toPem('ENCRYPTED PRIVATE KEY', der), format: 'pem', passphrase: kek });
  assert.equal(opened.asymmetricKeyType, 'ec');
  // The SWMKEY text is not the password (spec 6.4).
  assert.throws(() => createPrivateKey({ key: toPem('ENCRYPTED PRIVATE KEY', der), format: 'pem', passphrase: Buffer.from(formatUnlockKey(kek)) }));
});

test('verify: the right key opens the key and the DEK, a wrong key does not, the certificate must match', () => {
  const f = makeLockedNodeKey({ kekVersion: 21 });
  const file = parseNodeKeyFile(f.pem);
  assert.equal(file.format, 'encrypted-pkcs8');
  assert.equal(file.kekVersion, 21);
  const cert = makeNodeCert(f.key);
  const ok = verifyUnlockKey(file, { kek: f.kek, certificate: cert });
  assert.equal(ok.status, 'opens');
  assert.equal(ok.ok, true);
  assert.equal(ok.autolock, true);
  assert.deepEqual(ok.deks, [{ header: 'raft-dek', algorithm: 'secretbox-xsalsa20-poly1305', readable: true, bytes: 32 }]);
  assert.equal(ok.certificate!.matchesKey, true);
  assert.equal(ok.certificate!.role, 'swarm-manager');

  const wrong = verifyUnlockKey(file, { kek: randomBytes(32), certificate: cert });
  assert.equal(wrong.status, 'wrong-key');
  assert.equal(wrong.ok, false);
  assert.equal(wrong.deks[0]!.readable, false);
  assert.equal(wrong.certificate!.matchesKey, null);

  const otherCert = makeNodeCert(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const mismatch = verifyUnlockKey(file, { kek: f.kek, certificate: otherCert });
  assert.equal(mismatch.status, 'opens');
  assert.equal(mismatch.certificate!.matchesKey, false);
  assert.equal(mismatch.ok, false);

  assert.equal(verifyUnlockKey(file, {}).status, 'no-key');
});

test('verify: autolock off (plain PKCS#8 and a NONE record) is reported as such', () => {
  const f = makeUnlockedNodeKey();
  const file = parseNodeKeyFile(f.pem);
  const r = verifyUnlockKey(file, { kek: randomBytes(32), certificate: makeNodeCert(f.key) });
  assert.equal(r.status, 'autolock-off');
  assert.equal(r.autolock, false);
  assert.equal(r.ok, true);
  assert.equal(r.deks[0]!.algorithm, 'none');
  assert.equal(r.deks[0]!.bytes, 32);
  assert.match(r.notes.join(' '), /autolock is off/);
  // spec 6.2: the plain DEK's base64 starts EiA..EiD (0x12 0x20: field 2, length 32; the 3rd char carries 2 DEK bits).
  assert.match(parsePem(f.pem)[0]!.headers.find(([k]) => k === 'raft-dek')![1], /^Ei[A-D]/);
});

test('verify: a key written by Node\'s default export (hmacWithSHA256) is flagged as unreadable to SwarmKit', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kek = randomBytes(32);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: kek }) as string;
  const r = verifyUnlockKey(parseNodeKeyFile(pem), { kek });
  assert.equal(r.status, 'wrong-key');
  assert.match(r.notes.join(' '), /hmacWithSHA256.*SwarmKit ignores/);
  assert.ok(r.nodeKey.pbes2!.deviations.some((d) => d.includes('PRF')));
});

test('DEK record: proto3 layout (78 bytes, 08 01 | 12 30 | 1a 18), strict parser, Fernet row', () => {
  const kek = randomBytes(32);
  const dek = randomBytes(32);
  const rec = sealRecord(dek, kek, RecordAlgorithm.SECRETBOX_SALSA20_POLY1305);
  const bytes = serializeRecord(rec);
  assert.equal(bytes.length, 78);
  assert.equal(bytes.subarray(0, 4).toString('hex'), '08011230');
  assert.equal(bytes[52], 0x1a);
  assert.equal(bytes[53], 0x18);
  assert.deepEqual(openRecord(parseRecord(bytes), kek), dek);
  assert.equal(openRecord(parseRecord(bytes), randomBytes(32)), undefined);
  const tampered = Buffer.from(bytes);
  tampered[10]! ^= 1;
  assert.equal(openRecord(parseRecord(tampered), kek), undefined);
  const fer = sealRecord(dek, kek, RecordAlgorithm.FERNET_AES_128_CBC, { now: new Date() });
  assert.deepEqual(openRecord(decodeRecordHeader(encodeRecordHeader(fer)), kek), dek);
  for (const bad of ['08011230', '2000', '080108 01'.replace(' ', ''), '1230' + '00'.repeat(48) + '1230' + '00'.repeat(48), '0a00', '08ffffffffffffffffffff01', '0880']) {
    assert.throws(() => parseRecord(Buffer.from(bad, 'hex')), { code: 'ERR_UNLOCK_RECORD_MALFORMED' }, bad);
  }
  assert.throws(() => openRecord(parseRecord(Buffer.from('0809', 'hex')), kek), { code: 'ERR_UNLOCK_RECORD_UNSUPPORTED' });
  assert.throws(() => decodeRecordHeader('CAE*'), { code: 'ERR_UNLOCK_RECORD_MALFORMED' });
});

test('rekey: the new key opens the result, the old no longer does, headers sorted and kept, DEK unchanged', () => {
  const f = makeLockedNodeKey({ kekVersion: 7, pending: true });
  const newKek = randomBytes(32);
  const r = rekeyNodeKey(f.pem, f.kek, newKek);
  assert.deepEqual(r.resealed, ['raft-dek', 'raft-dek-pending']);
  const file = parseNodeKeyFile(r.pem);
  assert.deepEqual(file.headers.map(([k]) => k), ['kek-version', 'raft-dek', 'raft-dek-pending']);
  assert.equal(file.kekVersion, 7);
  assert.match(r.pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\nkek-version: 7\nraft-dek: [A-Za-z0-9+/=]+\nraft-dek-pending: [A-Za-z0-9+/=]+\n\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END ENCRYPTED PRIVATE KEY-----\n$/);
  const ok = verifyUnlockKey(file, { kek: newKek, certificate: makeNodeCert(f.key) });
  assert.equal(ok.status, 'opens');
  assert.equal(ok.certificate!.matchesKey, true);
  assert.deepEqual(openRecord(decodeRecordHeader(file.headers[1]![1]), newKek), f.dek);
  assert.equal(verifyUnlockKey(file, { kek: f.kek }).status, 'wrong-key');
  assert.deepEqual(swarmkitLayoutDeviations(file.pbes2!), []);
  assert.throws(() => rekeyNodeKey(f.pem, randomBytes(32), newKek), { code: 'ERR_UNLOCK_WRONG_KEY' });
  assert.throws(() => rekeyNodeKey(f.pem, f.kek, f.kek), { code: 'ERR_UNLOCK_KEY_MALFORMED' });
  assert.throws(() => rekeyNodeKey(makeUnlockedNodeKey().pem, f.kek, newKek), { code: 'ERR_UNLOCK_AUTOLOCK_OFF' });
});

test('node key file: malformed inputs give typed errors', () => {
  const f = makeLockedNodeKey();
  const cases: Array<[string, string]> = [
    ['', 'ERR_UNLOCK_NODE_KEY_MALFORMED'],
    ['not a key', 'ERR_UNLOCK_NODE_KEY_MALFORMED'],
    [f.pem + f.pem, 'ERR_UNLOCK_NODE_KEY_MALFORMED'],
    [f.pem.replace('kek-version: 0', 'kek-version: x'), 'ERR_UNLOCK_NODE_KEY_MALFORMED'],
    [toPem('ENCRYPTED PRIVATE KEY', Buffer.from('3000', 'hex')), 'ERR_UNLOCK_PBES2_MALFORMED'],
    [toPem('CERTIFICATE', Buffer.from('3000', 'hex')), 'ERR_UNLOCK_NODE_KEY_MALFORMED'],
  ];
  for (const [input, code] of cases) assert.throws(() => parseNodeKeyFile(input), { code }, input.slice(0, 40));
  const doubled = f.pem.replace('kek-version: 0\n', 'kek-version: 0\nkek-version: 1\n');
  assert.throws(() => parseNodeKeyFile(doubled), { code: 'ERR_UNLOCK_NODE_KEY_MALFORMED' });
});

test('verify: the legacy SEC1 form with RFC 1423 headers (swarm-rafttool downgrade-key) opens with the KEK', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kek = randomBytes(32);
  const pem = privateKey.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: kek }) as string;
  const file = parseNodeKeyFile(pem);
  assert.equal(file.format, 'legacy-sec1');
  assert.deepEqual(file.unknownHeaders, []);
  assert.equal(verifyUnlockKey(file, { kek }).status, 'opens');
  assert.equal(verifyUnlockKey(file, { kek: randomBytes(32) }).status, 'wrong-key');
  assert.throws(() => rekeyNodeKey(file, kek, randomBytes(32)), { code: 'ERR_UNLOCK_PBES2_UNSUPPORTED' });
});

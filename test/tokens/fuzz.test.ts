/**
 * Fuzzing the parsers that take hostile input: join tokens, unlock keys, the
 * raft-dek protobuf, PBES2 DER and whole node key files. Every input either
 * parses or throws a SwarmguardError with a stable code; nothing crashes or hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { SwarmguardError } from '../../src/errors.js';
import { parseJoinToken, createJoinToken } from '../../src/tokens/join-token.js';
import { parseUnlockKey } from '../../src/tokens/unlock-key.js';
import { parseRecord, openRecord, decodeRecordHeader } from '../../src/tokens/dek-record.js';
import { parseEncryptedPrivateKeyInfo, encryptPbes2 } from '../../src/tokens/pbes2.js';
import { parseNodeKeyFile } from '../../src/tokens/node-key.js';
import { verifyUnlockKey } from '../../src/tokens/unlock-verify.js';
import { makeLockedNodeKey, makeRoot } from './fixtures.js';
import { generateKeyPairSync } from 'node:crypto';

function typedOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SwarmguardError)) throw e;
    assert.match(e.code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(e.exitCode === 1 || e.exitCode === 2, `${e.code} exit ${e.exitCode}`);
  }
}

const RUNS = { numRuns: 400 };

function mutate(base: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 })
    .map((ops) => {
      let b = Buffer.from(base);
      for (const [pos, val, op] of ops) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 'set' && b.length) b[i] = val;
        else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([val]), b.subarray(i)]);
        else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      }
      return b;
    });
}

test('fuzz: join token parser', () => {
  const token = createJoinToken(makeRoot().pem);
  fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => typedOrOk(() => parseJoinToken(s))), RUNS);
  fc.assert(fc.property(mutate(Buffer.from(token)), (b) => typedOrOk(() => parseJoinToken(b.toString('latin1')))), RUNS);
  fc.assert(
    fc.property(fc.stringMatching(/^SWMTKN-[12]-([01]-)?[0-9a-zA-Z]{48,52}-[0-9a-z]{24,26}$/), (s) => typedOrOk(() => parseJoinToken(s))),
    RUNS,
  );
});

test('fuzz: unlock key parser', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typedOrOk(() => parseUnlockKey(s))), RUNS);
  fc.assert(fc.property(fc.stringMatching(/^SWMKEY-1-[A-Za-z0-9+/=]{40,46}$/), (s) => typedOrOk(() => parseUnlockKey(s))), RUNS);
});

test('fuzz: raft-dek protobuf parser and opener', () => {
  const kek = randomBytes(32);
  const f = makeLockedNodeKey();
  const header = parseNodeKeyFile(f.pem).headers.find(([k]) => k === 'raft-dek')![1];
  const valid = Buffer.from(header, 'base64');
  const open = (b: Buffer) => {
    const rec = parseRecord(b);
    openRecord(rec, kek);
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (a) => typedOrOk(() => open(Buffer.from(a)))), RUNS);
  fc.assert(fc.property(mutate(valid), (b) => typedOrOk(() => open(b))), RUNS);
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typedOrOk(() => decodeRecordHeader(s))), RUNS);
  typedOrOk(() => parseRecord(Buffer.alloc(5000)));
});

test('fuzz: PBES2 parser', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const valid = encryptPbes2(privateKey.export({ type: 'pkcs8', format: 'der' }), randomBytes(32));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (a) => typedOrOk(() => parseEncryptedPrivateKeyInfo(a))), RUNS);
  fc.assert(fc.property(mutate(valid), (b) => typedOrOk(() => parseEncryptedPrivateKeyInfo(b))), RUNS);
});

test('fuzz: whole node key files through verify (bounded time)', () => {
  const f = makeLockedNodeKey({ pending: true });
  const started = Date.now();
  fc.assert(
    fc.property(mutate(Buffer.from(f.pem)), (b) =>
      typedOrOk(() => {
        const file = parseNodeKeyFile(b);
        verifyUnlockKey(file, { kek: f.kek });
      }),
    ),
    { numRuns: 300 },
  );
  assert.ok(Date.now() - started < 60_000);
});

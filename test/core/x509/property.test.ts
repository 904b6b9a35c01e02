/**
 * Property: mutating valid DER certificates (bit flips, byte overwrites,
 * truncation, insertion, deletion, duplication) never makes the parser, the
 * describer or the validator crash (anything but a SwarmguardError) or hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSwarmguardError } from '../../../src/errors.js';
import { parseCertificate } from '../../../src/core/x509/parse.js';
import { describeCertificate } from '../../../src/core/x509/inspect.js';
import { verifyChain } from '../../../src/core/x509/verify.js';
import { T0, caExts, ecKey, edKey, ext, leafExts, makeCert, pki, rsaKey } from './fixtures.js';

const HANG_GUARD_MS = 2_000;

function seeds(): { certs: Buffer[]; root: Buffer; inter: Buffer } {
  const p = pki({ leafExtensions: [...leafExts(ecKey(2), ecKey(1)), ext.nc({ permitted: { dns: ['example.com'] } })] });
  const rsa = makeCert({ subject: 'rsa', issuer: 'Test Root', key: rsaKey(0), signer: ecKey(0), extensions: leafExts(rsaKey(0), ecKey(0)) });
  const pss = makeCert({ subject: 'pss', key: rsaKey(0), sig: 'pss', extensions: caExts(rsaKey(0)) });
  const ed = makeCert({ subject: 'ed', key: edKey(0), extensions: caExts(edKey(0)) });
  return { certs: [p.leaf, p.inter, p.root, rsa, pss, ed], root: p.root, inter: p.inter };
}

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'duplicate'; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
);

function apply(buf: Buffer, m: Mutation): Buffer {
  const at = m.at % Math.max(1, buf.length);
  switch (m.op) {
    case 'flip': {
      const out = Buffer.from(buf);
      out[at]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      const out = Buffer.from(buf);
      out[at] = m.value;
      return out;
    }
    case 'truncate':
      return buf.subarray(0, at);
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.count)]);
    case 'duplicate':
      return Buffer.concat([buf.subarray(0, at + m.count), buf.subarray(at)]);
  }
}

function exercise(der: Buffer, root: Buffer, inter: Buffer): void {
  const t0 = performance.now();
  try {
    const c = parseCertificate(der);
    describeCertificate(c);
    verifyChain({ leaf: c, intermediates: [inter, c], roots: [root, c], at: T0, purpose: 'server', host: 'node.example.com' });
  } catch (e) {
    assert.ok(isSwarmguardError(e), `non-typed error: ${e instanceof Error ? e.stack : String(e)}`);
  }
  assert.ok(performance.now() - t0 < HANG_GUARD_MS, 'hang guard');
}

test('mutated certificates: parse, describe and verify return or throw a SwarmguardError, never hang', () => {
  const { certs, root, inter } = seeds();
  fc.assert(
    fc.property(fc.nat({ max: certs.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
      exercise(ms.reduce(apply, certs[i]!), root, inter);
    }),
    { numRuns: 1_500 },
  );
});

test('random bytes and DER-looking prefixes are refused with a typed error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(Buffer.alloc(0), Buffer.from([0x30, 0x82]), Buffer.from([0x30, 0x80]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), (bytes, prefix) => {
      const t0 = performance.now();
      try {
        parseCertificate(Buffer.concat([prefix, bytes]));
      } catch (e) {
        assert.ok(isSwarmguardError(e), String(e));
      }
      assert.ok(performance.now() - t0 < HANG_GUARD_MS);
    }),
    { numRuns: 1_000 },
  );
});

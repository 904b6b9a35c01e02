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
import { mutate, mutation } from '../../helpers/mutate.js';

const HANG_GUARD_MS = 2_000;

function seeds(): { certs: Buffer[]; root: Buffer; inter: Buffer } {
  const p = pki({ leafExtensions: [...leafExts(ecKey(2), ecKey(1)), ext.nc({ permitted: { dns: ['example.com'] } })] });
  const rsa = makeCert({ subject: 'rsa', issuer: 'Test Root', key: rsaKey(0), signer: ecKey(0), extensions: leafExts(rsaKey(0), ecKey(0)) });
  const pss = makeCert({ subject: 'pss', key: rsaKey(0), sig: 'pss', extensions: caExts(rsaKey(0)) });
  const ed = makeCert({ subject: 'ed', key: edKey(0), extensions: caExts(edKey(0)) });
  return { certs: [p.leaf, p.inter, p.root, rsa, pss, ed], root: p.root, inter: p.inter };
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
      exercise(ms.reduce(mutate, certs[i]!), root, inter);
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

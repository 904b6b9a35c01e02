/**
 * Fuzz of the CRL parser and of CRL use in the validator (fast-check):
 * mutated CRLs and random bytes give a ParsedCrl, a verification result or a
 * SwarmguardError, never another exception or a hang.
 */
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as x509 from '@peculiar/x509';
import { isSwarmguardError } from '../../../src/errors.js';
import { toPem } from '../../../src/core/pem.js';
import { parseCrl, parseCrls, verifyChain } from '../../../src/core/x509/verify.js';
import { AT, INTER_NAME, ROOT_NAME, der, makeCrl, makePki } from './crl-fixtures.js';
import { mutate, mutation } from '../../helpers/mutate.js';

const HANG_GUARD_MS = 2_000;

test('mutated CRLs: parse and verification return or throw a SwarmguardError, never hang', async () => {
  const p = await makePki();
  const rootCrl = der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const seeds = [
    rootCrl,
    der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, revoked: [{ serial: '1001', reason: x509.X509CrlReason.keyCompromise }, { serial: '1002' }] })),
    der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, extensions: [new x509.Extension('2.5.29.28', true, Buffer.from('30038201ff', 'hex'))] })),
    der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, nextUpdate: null, revoked: [{ serial: '01', extensions: [new x509.Extension('2.5.29.24', false, Buffer.from('180f32303236303130313030303030305a', 'hex'))] }] })),
  ];
  const leaf = der(p.leaf);
  const inter = der(p.inter);
  const root = der(p.root);
  fc.assert(
    fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (i, ms, asPem) => {
      const mutated = ms.reduce(mutate, seeds[i]!);
      const t0 = performance.now();
      try {
        const crls = asPem ? parseCrls(Buffer.from(toPem('X509 CRL', mutated) + toPem('X509 CRL', rootCrl))) : [parseCrl(mutated)];
        const r = verifyChain({ leaf, intermediates: [inter], roots: [root], at: AT, crls: [...crls, rootCrl] });
        assert.equal(typeof r.ok, 'boolean');
      } catch (e) {
        assert.ok(isSwarmguardError(e), `non-typed error: ${e instanceof Error ? e.stack : String(e)}`);
        assert.match(e.code, /^ERR_(X509_CRL|PEM)_/);
      }
      assert.ok(performance.now() - t0 < HANG_GUARD_MS, 'hang guard');
    }),
    { numRuns: 1_500 },
  );
});

test('random bytes and DER-looking prefixes are refused by the CRL parser with a typed error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(Buffer.alloc(0), Buffer.from([0x30, 0x82]), Buffer.from([0x30, 0x80]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from('-----BEGIN X509 CRL-----\n')), (bytes, prefix) => {
      const t0 = performance.now();
      try {
        parseCrls(Buffer.concat([prefix, bytes]));
      } catch (e) {
        assert.ok(isSwarmguardError(e), String(e));
      }
      assert.ok(performance.now() - t0 < HANG_GUARD_MS);
    }),
    { numRuns: 1_000 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { readCsr } from '../../src/ca/csr.js';
import { SwarmguardError } from '../../src/errors.js';
import { makeCsr } from '../helpers/csr.js';
import { corporaDir, hasCorpora, NO_CORPORA } from '../helpers/env.js';

test('accepts P-256, P-384, P-521 and RSA-2048 CSRs in PEM and DER', () => {
  for (const spec of [{ ec: 'P-256' }, { ec: 'P-384' }, { ec: 'P-521' }, { rsa: 2048 }] as const) {
    const { der, pem } = makeCsr({ spec });
    const a = readCsr(Buffer.from(pem));
    const b = readCsr(der);
    assert.deepEqual(a.spki, b.spki);
    assert.ok(a.spki.length > 60);
  }
});

test('refuses weak or unsupported keys with a clear code', () => {
  assert.throws(() => readCsr(makeCsr({ spec: { rsa: 1024 } }).der), { code: 'ERR_KEY_WEAK', message: /1024 bits is too weak/ });
  assert.throws(() => readCsr(makeCsr({ spec: { ec: 'secp256k1' } }).der), { code: 'ERR_KEY_WEAK', message: /secp256k1/ });
  assert.throws(() => readCsr(makeCsr({ spec: { ed25519: true } }).der), { code: 'ERR_CSR_ALGORITHM' });
});

test('refuses a CSR whose signature does not verify', () => {
  assert.throws(() => readCsr(makeCsr({ tamper: true }).der), { code: 'ERR_CSR_SIGNATURE' });
});

test('refuses empty, oversized, multi-request, truncated and trailing-data input', () => {
  const { der, pem } = makeCsr();
  assert.throws(() => readCsr(Buffer.alloc(0)), { code: 'ERR_CSR_MALFORMED' });
  assert.throws(() => readCsr(Buffer.alloc(70_000, 0x30)), { code: 'ERR_CSR_TOO_LARGE' });
  assert.throws(() => readCsr(Buffer.from(pem + pem)), { code: 'ERR_CSR_MALFORMED', message: /exactly one/ });
  assert.throws(() => readCsr(der.subarray(0, der.length - 5)), { code: 'ERR_CSR_MALFORMED' });
  assert.throws(() => readCsr(Buffer.concat([der, Buffer.from([0])])), { code: 'ERR_CSR_MALFORMED', message: /trailing/ });
  assert.throws(() => readCsr(Buffer.from(pem.replace('-----END CERTIFICATE REQUEST-----', ''))), { code: 'ERR_PEM_MALFORMED' });
  assert.throws(() => readCsr(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')), { code: 'ERR_PEM_NO_BLOCK' });
});

test('fuzz: mutated CSRs give a typed error or parse, never crash', () => {
  const { der } = makeCsr();
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(der.length), (muts, cut) => {
      const m = Buffer.from(der);
      for (const [i, v] of muts) m[i] = v;
      for (const input of [m, m.subarray(0, cut)]) {
        try {
          readCsr(input);
        } catch (e) {
          assert.ok(e instanceof SwarmguardError, `non-typed error: ${String(e)}`);
        }
      }
    }),
    { numRuns: 1500 },
  );
});

test('fuzz: arbitrary bytes and PEM-looking text never crash', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 400 }).map((s) => Buffer.from(`-----BEGIN CERTIFICATE REQUEST-----\n${s}\n-----END CERTIFICATE REQUEST-----\n`))), (b) => {
      try {
        readCsr(Buffer.from(b));
      } catch (e) {
        assert.ok(e instanceof SwarmguardError, `non-typed error: ${String(e)}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('pyca-cryptography CSR vectors: agree with the pyca oracle on signature validity; none crash', (t) => {
  const dir = path.join(corporaDir, 'pyca-cryptography-vectors');
  if (!hasCorpora || !existsSync(dir)) return t.skip(NO_CORPORA);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.pyca-oracle.json'), 'utf8')) as { files: Record<string, Record<string, unknown>> };
  const reqDir = path.join(dir, 'x509', 'requests');
  let checked = 0;
  const disagreements: string[] = [];
  for (const f of readdirSync(reqDir)) {
    const rel = `x509/requests/${f}`;
    const oracle = manifest.files[rel];
    let ok = false;
    let err: unknown;
    try {
      readCsr(readFileSync(path.join(reqDir, f)));
      ok = true;
    } catch (e) {
      err = e;
      assert.ok(e instanceof SwarmguardError, `${rel}: non-typed error ${String(e)}`);
    }
    checked++;
    // the oracle says whether pyca loads the CSR and whether its signature is valid
    if (oracle && (oracle.loads === false || oracle.signature_valid === false) && ok) disagreements.push(`${rel}: accepted, oracle rejects`);
    void err;
  }
  assert.ok(checked >= 20, `only ${checked} CSR vectors found`);
  assert.deepEqual(disagreements, []);
});

/** CSR verification on worker threads gives what readCsr gives: the same fields, the same coded errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsrVerifierPool, defaultVerifyThreads } from '../../../src/ca/cfssl/csr-pool.js';
import { readCsr } from '../../../src/ca/csr.js';
import { InputError } from '../../../src/errors.js';
import { makeCsr } from '../../helpers/csr.js';

for (const size of [0, 2]) {
  test(`pool of ${size}: results equal readCsr's, errors keep their codes, batches resolve in any order`, async () => {
    const pool = new CsrVerifierPool(size);
    try {
      const csrs = Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? makeCsr({ tamper: true }) : makeCsr()));
      const results = await Promise.allSettled(csrs.map((c) => pool.verify(c.pem)));
      results.forEach((r, i) => {
        if (i % 5 === 4) {
          assert.equal(r.status, 'rejected');
          assert.ok((r as PromiseRejectedResult).reason instanceof InputError);
          assert.equal((r as PromiseRejectedResult).reason.code, 'ERR_CSR_SIGNATURE');
          return;
        }
        assert.equal(r.status, 'fulfilled');
        const got = (r as PromiseFulfilledResult<ReturnType<typeof readCsr>>).value;
        const want = readCsr(Buffer.from(csrs[i]!.pem));
        assert.ok(Buffer.isBuffer(got.spki) && got.spki.equals(want.spki));
        assert.ok(got.der.equals(want.der));
        assert.ok(got.subjectDer.equals(want.subjectDer));
        assert.deepEqual(got.key, want.key);
        assert.equal(got.signatureAlgorithm, want.signatureAlgorithm);
        assert.ok(got.publicKey.equals(want.publicKey), 'the KeyObject crosses the thread boundary intact');
      });
      await assert.rejects(pool.verify('-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----\n'), { code: 'ERR_PEM_MALFORMED' });
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.verify(makeCsr().pem), { code: 'ERR_CFSSL_VERIFIER' });
  });
}

test('closing the pool rejects what is still pending; sizes are bounded', async () => {
  const pool = new CsrVerifierPool(1);
  const pending = assert.rejects(pool.verify(makeCsr().pem), { code: 'ERR_CFSSL_VERIFIER' });
  await pool.close();
  await pending;
  assert.throws(() => new CsrVerifierPool(-1), TypeError);
  assert.throws(() => new CsrVerifierPool(65), TypeError);
  assert.ok(defaultVerifyThreads() >= 0 && defaultVerifyThreads() <= 4);
});

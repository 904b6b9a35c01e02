/**
 * `swarmguard cert verify --crl` with our CA's own CRL (`ca revoke`, `ca crl`):
 * exit 0 good, 1 revoked or unknown under hard, 2 unreadable CRL or bad flags.
 */
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import { parsePem } from '../../src/core/pem.js';
import { systemClock } from '../../src/core/clock.js';
import { defaults } from '../../src/defaults.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { runCli, tempDir } from '../helpers/env.js';

const pass = Buffer.from('cert crl cli test passphrase');

interface VerifyDoc {
  valid: boolean;
  code?: string;
  reason?: string;
  revocationMode: string;
  revocation?: Array<{ subject: string; serial: string; status: string; reason?: string; revokedAt?: string }>;
}

test('cert verify --crl with the CA\'s CRL after ca revoke: revoked exit 1, good exit 0, stale unknown, bad files exit 2', async (t) => {
  const { dir, cleanup } = tempDir();
  const state = path.join(dir, 'state');
  const store = new FileStore(state);
  t.after(async () => {
    await store.close();
    cleanup();
  });
  await initCa(store, { passphrase: pass, clusterId: 'c1' }, systemClock);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  const bad = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const good = await ca.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'n2', via: 'test' });
  await store.close();
  const file = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const roots = file('roots.pem', ca.state.trustRootPem);
  const badFile = file('bad.pem', bad.chainPem);
  const goodFile = file('good.pem', good.chainPem);

  const env = { SWARMGUARD_CA_PASSPHRASE: pass.toString() };
  const revoke = runCli(['--state', state, 'ca', 'revoke', '--serial', bad.serialHex, '--reason', 'keyCompromise'], { env });
  assert.equal(revoke.code, 0, revoke.stderr);
  const crlOut = runCli(['--state', state, 'ca', 'crl']);
  assert.equal(crlOut.code, 0, crlOut.stderr);
  const crlPem = file('crl.pem', crlOut.stdout);
  const crlDer = file('crl.der', parsePem(Buffer.from(crlOut.stdout), 'crl').find((b) => b.type === 'X509 CRL')!.der);
  const verify = (...args: string[]) => runCli(['cert', 'verify', '--json', '--ca', roots, ...args]);
  const doc = (r: { stdout: string }): VerifyDoc => JSON.parse(r.stdout) as VerifyDoc;

  const r1 = verify('--crl', crlPem, badFile);
  assert.equal(r1.code, 1, r1.stderr);
  assert.equal(doc(r1).code, 'ERR_X509_REVOKED');
  assert.match(doc(r1).reason!, new RegExp(`serial ${bad.serialHex}.*keyCompromise`));
  assert.deepEqual(doc(r1).revocation?.map((s) => [s.serial, s.status, s.reason]), [[bad.serialHex, 'revoked', 'keyCompromise']]);

  const r2 = verify('--crl', crlDer, goodFile);
  assert.equal(r2.code, 0, r2.stdout + r2.stderr);
  assert.equal(doc(r2).revocationMode, 'hard');
  assert.deepEqual(doc(r2).revocation?.map((s) => s.status), ['good']);
  // repeatable --crl; human output lists the statuses
  const human = runCli(['cert', 'verify', '--ca', roots, '--crl', crlPem, '--crl', crlDer, goodFile]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /revocation .*: good/);

  // stale: after nextUpdate the status is unknown (hard: exit 1; soft: exit 0, reported)
  const late = new Date(Date.now() + defaults.ca.crlValidityMs + 3_600_000).toISOString();
  const r3 = verify('--crl', crlPem, '--at', late, goodFile);
  assert.equal(r3.code, 1);
  assert.equal(doc(r3).code, 'ERR_X509_REVOCATION_UNKNOWN');
  const r4 = verify('--crl', crlPem, '--at', late, '--revocation', 'soft', goodFile);
  assert.equal(r4.code, 0, r4.stdout);
  assert.deepEqual(doc(r4).revocation?.map((s) => s.status), ['unknown']);
  // off: the CRL is not read at all
  assert.equal(verify('--crl', crlPem, '--revocation', 'off', badFile).code, 0);
  assert.deepEqual(doc(verify(badFile)).revocation?.map((s) => s.status), ['unchecked']);

  // unreadable CRL input: exit 2 with a code, nothing on stdout but the error document
  const missing = verify('--crl', path.join(dir, 'nope.pem'), goodFile);
  assert.equal(missing.code, 2);
  assert.match(missing.stdout + missing.stderr, /ERR_CLI_READ/);
  const junk = verify('--crl', file('junk.crl', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), goodFile);
  assert.equal(junk.code, 2);
  assert.match(junk.stdout + junk.stderr, /ERR_X509_CRL_MALFORMED/);
  const certNotCrl = verify('--crl', roots, goodFile);
  assert.equal(certNotCrl.code, 2);
  assert.match(certNotCrl.stdout + certNotCrl.stderr, /ERR_PEM_NO_BLOCK/);
  assert.equal(verify('--revocation', 'hard', goodFile).code, 2);
  assert.equal(verify('--crl', crlPem, '--revocation', 'maybe', goodFile).code, 2);
});

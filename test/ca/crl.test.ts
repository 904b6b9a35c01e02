import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { CRL_KEY, crlStale, readCrl, signCrl } from '../../src/ca/crl.js';
import { initCa } from '../../src/ca/init.js';
import { openRevocations } from '../../src/ca/revocation-list.js';
import { revokeCertificate } from '../../src/ca/revoke.js';
import { rotateRoot } from '../../src/ca/rotate.js';
import { requireCaState } from '../../src/ca/state.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { defaults } from '../../src/defaults.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { hasTool, interopRequired, runCli, tempDir } from '../helpers/env.js';

const pass = Buffer.from('crl test passphrase');

async function setup(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir();
  const store = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await store.close();
    cleanup();
  });
  await initCa(store, { passphrase: pass, clusterId: 'c1' }, systemClock);
  const revs = await openRevocations(store);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock, isNodeBlocked: (id) => revs.isNodeRevoked(id) });
  const file = (name: string, content: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  return { dir, store, ca, file };
}

function needOpenssl(t: { skip: (m: string) => void }): boolean {
  if (hasTool('openssl')) return true;
  if (interopRequired) assert.fail('openssl is required (SWARMGUARD_INTEROP=required) but not installed');
  t.skip('openssl not installed');
  return false;
}

const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

test('CRL: v2, issuer and AKI of the signer, growing CRL number, validity from the injected clock, entries with reasons', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const b = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  await revokeCertificate(store, { serial: a.serialHex, reason: 'superseded' }, systemClock);
  await revokeCertificate(store, { serial: b.serialHex }, systemClock); // unspecified: no reason extension (RFC 5280 5.3.1)
  // a serial whose top bit is set must stay positive on the list
  await revokeCertificate(store, { serial: 'ff01', forceUnknown: true, reason: 'keyCompromise' }, systemClock);
  const at = new Date('2026-03-04T05:06:07.890Z');
  const c1 = await signCrl(store, ca.signer, fixedClock(at));
  const c2 = await signCrl(store, ca.signer, fixedClock(at));
  assert.equal(c1.number, 1);
  assert.equal(c2.number, 2);
  assert.equal((await requireCaState(store)).crlNumber, 2);
  assert.equal(c2.thisUpdate.toISOString(), '2026-03-04T05:06:07.000Z');
  assert.equal(c2.nextUpdate.getTime() - c2.thisUpdate.getTime(), defaults.ca.crlValidityMs);

  const crl = new x509.X509Crl(c2.pem);
  assert.equal(crl.version, 1); // v2
  assert.equal(crl.issuer, 'CN=swarm-ca');
  const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.equal(aki?.keyId, ca.signer.ski.toString('hex'));
  const number = crl.extensions.find((e) => e.type === '2.5.29.20');
  assert.ok(number, 'CRL number extension');
  const bySerial = new Map(crl.entries.map((e) => [e.serialNumber.toLowerCase().replace(/^(00)+(?=..)/, ''), e]));
  assert.equal(bySerial.size, 3);
  assert.equal(bySerial.get(a.serialHex)!.reason, x509.X509CrlReason.superseded);
  assert.equal(bySerial.get(b.serialHex)!.reason, undefined);
  assert.equal(bySerial.get('ff01')!.reason, x509.X509CrlReason.keyCompromise);
  const root = new x509.X509Certificate(ca.state.trustRootPem);
  assert.ok(await crl.verify({ publicKey: root.publicKey }));

  const stored = await readCrl(store);
  assert.equal(stored!.pem, c2.pem);
  assert.equal((await store.read(CRL_KEY))!.toString(), c2.pem);
});

test('crlStale: missing, or past half the validity', () => {
  const thisUpdate = new Date('2026-01-01T00:00:00Z');
  const nextUpdate = new Date(thisUpdate.getTime() + defaults.ca.crlValidityMs);
  const half = thisUpdate.getTime() + defaults.ca.crlValidityMs / 2;
  assert.equal(crlStale(undefined, thisUpdate), true);
  assert.equal(crlStale({ thisUpdate, nextUpdate: undefined }, thisUpdate), true);
  assert.equal(crlStale({ thisUpdate, nextUpdate }, new Date(half - 1)), false);
  assert.equal(crlStale({ thisUpdate, nextUpdate }, new Date(half)), true);
});

test('a damaged stored CRL is reported with a code', async (t) => {
  const { store } = await setup(t);
  await store.write(CRL_KEY, '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n');
  await assert.rejects(readCrl(store), { code: 'ERR_CA_STATE_CORRUPT' });
});

test('openssl reads the CRL and honours it: a revoked leaf fails -crl_check, a live one passes', async (t) => {
  if (!needOpenssl(t)) return;
  const { store, ca, file } = await setup(t);
  const bad = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const good = await ca.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'n2', via: 'test' });
  await revokeCertificate(store, { nodeId: 'n1', reason: 'keyCompromise' }, systemClock);
  const crl = await signCrl(store, ca.signer, systemClock);
  const crlFile = file('crl.pem', crl.pem);
  const rootFile = file('root.pem', ca.state.trustRootPem);

  const text = openssl(['crl', '-in', crlFile, '-noout', '-text']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Version 2/);
  assert.match(text.stdout, /Issuer: CN\s?=\s?swarm-ca/);
  assert.match(text.stdout, /CRL Number:\s+1\b/);
  assert.match(text.stdout, /Authority Key Identifier/);
  assert.match(text.stdout, new RegExp(`Serial Number: 0*${bad.serialHex.toUpperCase()}`));
  assert.match(text.stdout, /Key Compromise/);
  // openssl checks the CRL's own signature against the CA
  const sig = openssl(['crl', '-in', crlFile, '-noout', '-CAfile', rootFile]);
  assert.match(sig.stdout + sig.stderr, /verify OK/);

  const args = ['verify', '-crl_check', '-CRLfile', crlFile, '-CAfile', rootFile];
  const r1 = openssl([...args, file('bad.pem', bad.chainPem)]);
  assert.notEqual(r1.status, 0);
  assert.match(r1.stdout + r1.stderr, /certificate revoked/);
  const r2 = openssl([...args, file('good.pem', good.chainPem)]);
  assert.equal(r2.status, 0, r2.stdout + r2.stderr);
});

test('openssl refuses a CRL past its nextUpdate (the validity is real)', async (t) => {
  if (!needOpenssl(t)) return;
  const { store, ca, file } = await setup(t);
  const good = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  const old = await signCrl(store, ca.signer, fixedClock(Date.now() - defaults.ca.crlValidityMs - 60_000));
  const r = openssl(['verify', '-crl_check', '-CRLfile', file('crl.pem', old.pem), '-CAfile', file('root.pem', ca.state.trustRootPem), file('good.pem', good.chainPem)]);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /CRL has expired/);
});

test('during a root rotation the CRL is signed by the new key, and openssl checks new-key leaves against it', async (t) => {
  if (!needOpenssl(t)) return;
  const { store, ca, file } = await setup(t);
  await rotateRoot(store, { step: 'start', passphrase: pass }, systemClock);
  await ca.reload();
  const state = await requireCaState(store);
  const newRoot = state.rotation!.newRoot.certPem;
  const bad = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const good = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  await revokeCertificate(store, { serial: bad.serialHex }, systemClock);
  const crl = await signCrl(store, ca.signer, systemClock);
  assert.equal(new x509.X509Crl(crl.pem).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ca.signer.ski.toString('hex'));
  assert.ok(await new x509.X509Crl(crl.pem).verify({ publicKey: new x509.X509Certificate(newRoot).publicKey }));
  const leafOnly = (pem: string) => pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 26);
  const args = ['verify', '-crl_check', '-CRLfile', file('crl.pem', crl.pem), '-CAfile', file('new-root.pem', newRoot)];
  const r1 = openssl([...args, file('bad.pem', leafOnly(bad.chainPem))]);
  assert.match(r1.stdout + r1.stderr, /certificate revoked/);
  const r2 = openssl([...args, file('good.pem', leafOnly(good.chainPem))]);
  assert.equal(r2.status, 0, r2.stdout + r2.stderr);
});

test('CLI: ca crl prints the stored CRL, re-signs it when stale or missing (passphrase needed then), --out writes a file', async (t) => {
  const { dir, store, ca } = await setup(t);
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: pass.toString() };
  // missing: needs the passphrase to sign one
  assert.equal(runCli(['--state', state, 'ca', 'crl']).code, 2);
  const first = runCli(['--json', '--state', state, 'ca', 'crl'], { env });
  assert.equal(first.code, 0, first.stderr);
  const doc = JSON.parse(first.stdout) as { signed: boolean; crl: string; nextUpdate: string };
  assert.equal(doc.signed, true);
  assert.match(doc.crl, /BEGIN X509 CRL/);
  // fresh: printed as is, no passphrase
  const again = runCli(['--state', state, 'ca', 'crl']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, doc.crl);
  // older than half its validity: re-signed with the next number
  await signCrl(store, ca.signer, fixedClock(Date.now() - defaults.ca.crlValidityMs / 2 - 60_000));
  const before = (await requireCaState(store)).crlNumber;
  const out = path.join(dir, 'out.crl');
  const r = runCli(['--state', state, 'ca', 'crl', '--out', out], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await requireCaState(store)).crlNumber, before + 1);
  const written = new x509.X509Crl(readFileSync(out, 'utf8'));
  assert.ok(written.thisUpdate.getTime() > Date.now() - 60_000);
});

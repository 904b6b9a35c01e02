import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { crlStale, readCrl, signCrl } from '../../src/ca/crl.js';
import { initCa } from '../../src/ca/init.js';
import { openRevocations } from '../../src/ca/revocation-list.js';
import { revokeCertificate } from '../../src/ca/revoke.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { hasTool, interopRequired, runCli, tempDir } from '../helpers/env.js';

const pass = Buffer.from('revocation passphrase');

async function setup(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new FileStore(path.join(dir, 'state'));
  await initCa(store, { passphrase: pass, clusterId: 'c1' }, systemClock);
  const revs = await openRevocations(store);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock, isNodeBlocked: (id) => revs.isNodeRevoked(id) });
  return { dir, store, ca };
}

test('revoke by serial: recorded, idempotent, unknown serials refused unless forced', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const r1 = await revokeCertificate(store, { serial: a.serialHex.toUpperCase().match(/../g)!.join(':'), reason: 'keyCompromise' }, systemClock);
  assert.equal(r1.revoked.length, 1);
  assert.equal(r1.revoked[0]!.serial, a.serialHex);
  assert.equal(r1.revoked[0]!.nodeId, 'n1');
  const r2 = await revokeCertificate(store, { serial: a.serialHex }, systemClock);
  assert.deepEqual(r2.alreadyRevoked, [a.serialHex]);
  assert.ok((await openRevocations(store)).isSerialRevoked(a.serialHex));
  await assert.rejects(revokeCertificate(store, { serial: 'abcdef' }, systemClock), { code: 'ERR_CA_REVOKE_UNKNOWN' });
  await assert.rejects(revokeCertificate(store, { serial: 'xyz' }, systemClock), { code: 'ERR_CA_REVOKE_SERIAL' });
  await assert.rejects(revokeCertificate(store, {}, systemClock), { code: 'ERR_CA_REVOKE_USAGE' });
  await assert.rejects(revokeCertificate(store, { serial: a.serialHex, reason: 'bored' as never }, systemClock), { code: 'ERR_CA_REVOKE_REASON' });
  assert.equal((await revokeCertificate(store, { serial: 'abcdef', forceUnknown: true }, systemClock)).revoked.length, 1);
});

test('revoke by node: every live certificate, and the node gets no new ones', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const b = await ca.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'n1', via: 'test' });
  const other = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  const r = await revokeCertificate(store, { nodeId: 'n1' }, systemClock);
  assert.deepEqual(r.revoked.map((e) => e.serial).sort(), [a.serialHex, b.serialHex].sort());
  assert.equal(r.nodeBlocked, 'n1');
  const revs = await openRevocations(store);
  assert.ok(!revs.isSerialRevoked(other.serialHex));
  const ca2 = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock, isNodeBlocked: (id) => revs.isNodeRevoked(id) });
  await assert.rejects(ca2.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' }), { code: 'ERR_CA_NODE_REVOKED' });
  await assert.rejects(revokeCertificate(store, { nodeId: 'ghost' }, systemClock), { code: 'ERR_CA_REVOKE_UNKNOWN' });
});

test('CRL: signed by the CA with number, AKI, entries and reasons; @peculiar/x509 verifies it', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  await revokeCertificate(store, { serial: a.serialHex, reason: 'superseded' }, systemClock);
  const c1 = await signCrl(store, ca.signer, systemClock);
  const c2 = await signCrl(store, ca.signer, systemClock);
  assert.equal(c2.number, c1.number + 1);
  const crl = new x509.X509Crl(c2.pem);
  assert.equal(crl.issuer, 'CN=swarm-ca');
  assert.equal(crl.entries.length, 1);
  assert.equal(crl.entries[0]!.serialNumber.toLowerCase(), a.serialHex);
  assert.equal(crl.entries[0]!.reason, x509.X509CrlReason.superseded);
  const root = new x509.X509Certificate(ca.state.trustRootPem);
  assert.ok(await crl.verify({ publicKey: root.publicKey }));
  const stored = await readCrl(store);
  assert.equal(stored!.pem, c2.pem);
  assert.equal(crlStale(stored, new Date()), false);
  assert.equal(crlStale(stored, new Date(Date.now() + 4 * 86_400_000)), true);
  assert.equal(crlStale(undefined, new Date()), true);
});

test('openssl honours the CRL: a revoked leaf fails -crl_check, a live one passes', async (t) => {
  if (!hasTool('openssl')) {
    if (interopRequired) assert.fail('openssl is required (SWARMGUARD_INTEROP=required) but not installed');
    return t.skip('openssl not installed');
  }
  const { dir, store, ca } = await setup(t);
  const bad = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const good = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  await revokeCertificate(store, { nodeId: 'n1', reason: 'keyCompromise' }, systemClock);
  const crl = await signCrl(store, ca.signer, systemClock);
  const f = (n: string, s: string) => {
    const p = path.join(dir, n);
    writeFileSync(p, s);
    return p;
  };
  const args = ['verify', '-crl_check', '-CRLfile', f('crl.pem', crl.pem), '-CAfile', f('root.pem', ca.state.trustRootPem)];
  const r1 = spawnSync('openssl', [...args, f('bad.pem', bad.chainPem)], { encoding: 'utf8' });
  assert.notEqual(r1.status, 0);
  assert.match(r1.stdout + r1.stderr, /certificate revoked/);
  const r2 = spawnSync('openssl', [...args, f('good.pem', good.chainPem)], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stdout + r2.stderr);
  const text = spawnSync('openssl', ['crl', '-in', path.join(dir, 'crl.pem'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
  assert.match(text, /CRL Number:\s+\d+/);
  assert.match(text, /Key Compromise/);
});

test('CLI: ca revoke and ca crl', async (t) => {
  const { dir, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: pass.toString() };
  const r = runCli(['--json', '--state', state, 'ca', 'revoke', '--serial', a.serialHex, '--reason', 'superseded'], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { revoked: Array<{ serial: string }>; crl: { number: number } };
  assert.equal(doc.revoked[0]!.serial, a.serialHex);
  assert.equal(doc.crl.number, 1);
  const crl = runCli(['--state', state, 'ca', 'crl']);
  assert.equal(crl.code, 0, crl.stderr);
  assert.match(crl.stdout, /BEGIN X509 CRL/);
  assert.equal(runCli(['--state', state, 'ca', 'revoke'], { env }).code, 2);
  assert.equal(runCli(['--state', state, 'ca', 'revoke', '--serial', 'ffff'], { env }).code, 2);
  void fixedClock;
});

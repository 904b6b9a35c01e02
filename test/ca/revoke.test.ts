import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import { REVOKED_KEY, openRevocations } from '../../src/ca/revocation-list.js';
import { revokeCertificate } from '../../src/ca/revoke.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { runCli, tempDir } from '../helpers/env.js';

const pass = Buffer.from('revocation passphrase');

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
  return { dir, store, ca };
}

test('revoke by serial: recorded with node, reason and date; idempotent; unknown serials refused unless forced', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const at = fixedClock('2026-05-06T07:08:09Z');
  const r1 = await revokeCertificate(store, { serial: a.serialHex.toUpperCase().match(/../g)!.join(':'), reason: 'keyCompromise' }, at);
  assert.equal(r1.revoked.length, 1);
  assert.deepEqual(r1.revoked[0], { serial: a.serialHex, revokedAt: '2026-05-06T07:08:09.000Z', reason: 'keyCompromise', nodeId: 'n1', notAfter: a.notAfter.toISOString() });
  const r2 = await revokeCertificate(store, { serial: `0x${a.serialHex}` }, systemClock);
  assert.deepEqual(r2.revoked, []);
  assert.deepEqual(r2.alreadyRevoked, [a.serialHex]);
  const revs = await openRevocations(store);
  assert.ok(revs.isSerialRevoked(a.serialHex));
  assert.ok(revs.isSerialRevoked(`00${a.serialHex.toUpperCase()}`));
  assert.ok(!revs.isNodeRevoked('n1'), 'revoking one certificate does not block the node');
  assert.equal(revs.doc.entries.length, 1);
  await assert.rejects(revokeCertificate(store, { serial: 'abcdef' }, systemClock), { code: 'ERR_CA_REVOKE_UNKNOWN' });
  assert.equal((await revokeCertificate(store, { serial: 'abcdef', forceUnknown: true }, systemClock)).revoked.length, 1);
});

test('revoke: bad requests are refused with codes before anything is written', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  await assert.rejects(revokeCertificate(store, {}, systemClock), { code: 'ERR_CA_REVOKE_USAGE' });
  await assert.rejects(revokeCertificate(store, { serial: a.serialHex, nodeId: 'n1' }, systemClock), { code: 'ERR_CA_REVOKE_USAGE' });
  for (const serial of ['xyz', '', ':::', '0x', 'f'.repeat(43)]) {
    await assert.rejects(revokeCertificate(store, { serial, forceUnknown: true }, systemClock), { code: 'ERR_CA_REVOKE_SERIAL' }, serial);
  }
  for (const reason of ['bored', 'toString', '__proto__', 'removeFromCRL']) {
    await assert.rejects(revokeCertificate(store, { serial: a.serialHex, reason: reason as never }, systemClock), { code: 'ERR_CA_REVOKE_REASON' }, reason);
  }
  await assert.rejects(revokeCertificate(store, { nodeId: '' }, systemClock), { code: 'ERR_CA_REVOKE_NODE' });
  assert.equal(await store.read(REVOKED_KEY), undefined);
});

test('revoke by node: every live certificate, the node gets no new ones, and a second revoke reports it', async (t) => {
  const { store, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const b = await ca.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'n1', via: 'test' });
  const other = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' });
  // an expired certificate of the node needs no entry
  const past = await CertificateAuthority.open(store, { passphrase: pass, clock: fixedClock('2020-01-01T00:00:00Z') });
  const expired = await past.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const r = await revokeCertificate(store, { nodeId: 'n1', reason: 'cessationOfOperation' }, systemClock);
  assert.deepEqual(r.revoked.map((e) => e.serial).sort(), [a.serialHex, b.serialHex].sort());
  assert.ok(r.revoked.every((e) => e.nodeId === 'n1' && e.reason === 'cessationOfOperation'));
  assert.equal(r.nodeBlocked, 'n1');
  assert.equal(r.nodeAlreadyBlocked, undefined);
  const revs = await openRevocations(store);
  assert.ok(!revs.isSerialRevoked(other.serialHex));
  assert.ok(!revs.isSerialRevoked(expired.serialHex));
  assert.ok(revs.isNodeRevoked('n1'));
  const ca2 = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock, isNodeBlocked: (id) => revs.isNodeRevoked(id) });
  await assert.rejects(ca2.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' }), { code: 'ERR_CA_NODE_REVOKED' });
  const again = await revokeCertificate(store, { nodeId: 'n1' }, systemClock);
  assert.deepEqual(again.revoked, []);
  assert.deepEqual(again.alreadyRevoked.sort(), [a.serialHex, b.serialHex].sort());
  assert.equal(again.nodeAlreadyBlocked, true);
  assert.equal((await openRevocations(store)).doc.revokedNodes.length, 1);
  await assert.rejects(revokeCertificate(store, { nodeId: 'ghost' }, systemClock), { code: 'ERR_CA_REVOKE_UNKNOWN' });
  const ghost = await revokeCertificate(store, { nodeId: 'ghost', forceUnknown: true }, systemClock);
  assert.equal(ghost.nodeBlocked, 'ghost');
  assert.ok((await openRevocations(store)).isNodeRevoked('ghost'));
});

test('concurrent revocations are all kept (the store lock serializes them)', async (t) => {
  const { store, ca } = await setup(t);
  const issued = await Promise.all(Array.from({ length: 8 }, (_, i) => ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: `n${i}`, via: 'test' })));
  await Promise.all(issued.map((c) => revokeCertificate(store, { serial: c.serialHex }, systemClock)));
  const revs = await openRevocations(store);
  assert.equal(revs.doc.entries.length, 8);
  for (const c of issued) assert.ok(revs.isSerialRevoked(c.serialHex));
});

test('CLI: ca revoke records, re-signs the CRL, is idempotent, and maps refusals to exit 2', async (t) => {
  const { dir, ca } = await setup(t);
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: pass.toString() };
  const r = runCli(['--json', '--state', state, 'ca', 'revoke', '--serial', a.serialHex, '--reason', 'superseded'], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { revoked: Array<{ serial: string; reason: string }>; crl: { number: number; entries: number } };
  assert.equal(doc.revoked[0]!.serial, a.serialHex);
  assert.equal(doc.revoked[0]!.reason, 'superseded');
  assert.deepEqual(doc.crl.number, 1);
  assert.equal(doc.crl.entries, 1);
  const twice = runCli(['--state', state, 'ca', 'revoke', '--serial', a.serialHex], { env });
  assert.equal(twice.code, 0, twice.stderr);
  assert.match(twice.stdout, new RegExp(`already revoked ${a.serialHex}`));
  assert.match(twice.stdout, /CRL #2 signed: 1 entries/);
  const node = runCli(['--state', state, 'ca', 'revoke', '--node-id', 'n1', '--reason', 'keyCompromise'], { env });
  assert.equal(node.code, 0, node.stderr);
  assert.match(node.stdout, /node n1 gets no new certificates/);
  const crl = runCli(['--state', state, 'ca', 'crl']);
  assert.equal(crl.code, 0, crl.stderr);
  assert.match(crl.stdout, /BEGIN X509 CRL/);
  assert.equal(runCli(['--state', state, 'ca', 'revoke'], { env }).code, 2);
  assert.equal(runCli(['--state', state, 'ca', 'revoke', '--serial', 'ffff'], { env }).code, 2);
  assert.equal(runCli(['--state', state, 'ca', 'revoke', '--serial', a.serialHex, '--reason', 'bored'], { env }).code, 2);
  // the passphrase is needed (the CRL is re-signed)
  assert.equal(runCli(['--state', state, 'ca', 'revoke', '--serial', a.serialHex]).code, 2);
});

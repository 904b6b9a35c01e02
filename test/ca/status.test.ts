import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import { revocationsOf } from '../../src/ca/revocation-list.js';
import { rotateRoot } from '../../src/ca/rotate.js';
import type { IssuedRecord } from '../../src/ca/state.js';
import { buildStatus, caStatus, liveCertificates, signerSkiHex } from '../../src/ca/status.js';
import { fixedClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { runCli, tempDir } from '../helpers/env.js';

const DAY = 86_400_000;
const T = Date.parse('2026-12-01T10:00:00Z');
const pass = Buffer.from('a long enough passphrase');
const iso = (ms: number): string => new Date(ms).toISOString();

function rec(serial: string, over: Partial<IssuedRecord>): IssuedRecord {
  return { serial, profile: 'node-worker', notBefore: iso(T - 10 * DAY), notAfter: iso(T + 80 * DAY), issuerSki: 'aa', issuedAt: iso(T - 10 * DAY), via: 'test', ...over };
}

async function newStore(t: { after: (f: () => void | Promise<void>) => void }): Promise<FileStore> {
  const { dir, cleanup } = tempDir();
  const s = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await s.close();
    cleanup();
  });
  return s;
}

test('liveCertificates: newest per identity, expired, revoked by serial or node, superseded', () => {
  const records = [
    rec('01', { nodeId: 'n1', issuedAt: iso(T - 20 * DAY) }),
    rec('02', { nodeId: 'n1', issuedAt: iso(T - 2 * DAY), issuerSki: 'bb' }),
    rec('03', { nodeId: 'n2', notAfter: iso(T - DAY) }),
    rec('04', { nodeId: 'n3' }),
    rec('05', { nodeId: 'n4' }),
    rec('06', { profile: 'server', subject: 'CN=api' }),
    rec('07', { profile: 'client' }),
  ];
  const revocations = revocationsOf({ format: 1, entries: [{ serial: '0004', revokedAt: iso(T), reason: 'keyCompromise' }], revokedNodes: [{ nodeId: 'n4', revokedAt: iso(T), reason: 'removed' }] });
  const { live, counts } = liveCertificates(records, revocations, new Date(T));
  assert.deepEqual(
    live.map((r) => r.serial),
    ['02', '06', '07'],
  );
  assert.deepEqual(counts, { issued: 7, live: 3, expired: 1, revoked: 2, superseded: 1 });
});

test('buildStatus: idle CA, nodes on another issuer, expiry horizon sorted and limited', async (t) => {
  const s = await newStore(t);
  const { state } = await initCa(s, { passphrase: pass, clusterId: 'c1' }, fixedClock(T - 30 * DAY));
  const ski = signerSkiHex(state);
  const records = [
    rec('10', { nodeId: 'a', issuerSki: ski, notAfter: iso(T + 50 * DAY) }),
    rec('11', { nodeId: 'b', issuerSki: 'ffff', notAfter: iso(T + 20 * DAY), role: 'manager' }),
    rec('12', { nodeId: 'c', issuerSki: ski, notAfter: iso(T + 5 * DAY) }),
    rec('13', { nodeId: 'd', issuerSki: ski, notAfter: iso(T - 5 * DAY) }),
  ];
  const st = buildStatus(state, records, revocationsOf({ format: 1, entries: [], revokedNodes: [] }), new Date(T), { soonest: 2 });
  assert.equal(st.stage, 'idle');
  assert.equal(st.rotation, undefined);
  assert.equal(st.trustRoot.certs.length, 1);
  assert.equal(st.trustBundle.length, 1);
  assert.equal(st.signer.ski, ski);
  assert.equal(st.signer.hasKey, true);
  assert.deepEqual(st.onOldIssuer.map((p) => [p.nodeId, p.role, p.expiresInDays]), [['b', 'manager', 20]]);
  assert.deepEqual(st.certificates, { issued: 4, live: 3, expired: 1, revoked: 0, superseded: 0 });
  assert.equal(st.horizon.expiredCertificates, 1);
  // the root (also the signer: listed once) and the two soonest live certificates
  assert.deepEqual(
    st.horizon.items.map((i) => [i.kind, i.expiresInDays]),
    [
      ['certificate', 5],
      ['certificate', 20],
      ['root', Math.floor((Date.parse(st.trustRoot.certs[0]!.notAfter) - T) / DAY)],
    ],
  );
  assert.match(st.horizon.items[1]!.label, /node b \(manager\) serial 11/);
  assert.equal(st.at, iso(T));
});

test('caStatus during a rotation: old and new roots, cross-signed chain, nodes still on the old root', async (t) => {
  const s = await newStore(t);
  await initCa(s, { passphrase: pass, clusterId: 'c1' }, fixedClock(T));
  const old = await CertificateAuthority.open(s, { passphrase: pass, clock: fixedClock(T + 60_000) });
  await old.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'w-old', via: 'test' });
  await rotateRoot(s, { step: 'start', passphrase: pass }, fixedClock(T + 120_000));
  const neu = await CertificateAuthority.open(s, { passphrase: pass, clock: fixedClock(T + 180_000) });
  await neu.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'm-new', via: 'test' });

  const st = await caStatus(s, new Date(T + 240_000));
  assert.equal(st.stage, 'cross-signed');
  assert.ok(st.rotation);
  assert.equal(st.rotation.startedAt, iso(T + 120_000));
  assert.equal(st.rotation.crossSigned.serial, st.rotation.newRoot.serial);
  assert.equal(st.rotation.crossSigned.fingerprint === st.rotation.newRoot.fingerprint, false);
  assert.deepEqual(st.trustRoot.certs.map((c) => c.fingerprint), [st.rotation.oldRoot.fingerprint]);
  assert.deepEqual(st.trustBundle.map((c) => c.fingerprint), [st.rotation.oldRoot.fingerprint, st.rotation.newRoot.fingerprint]);
  assert.equal(st.signer.fingerprint, st.rotation.newRoot.fingerprint);
  assert.deepEqual(st.signer.chain.map((c) => c.fingerprint), [st.rotation.crossSigned.fingerprint]);
  assert.deepEqual(st.onOldIssuer.map((p) => p.nodeId), ['w-old']);
  const kinds = st.horizon.items.map((i) => i.label.split(' CN=')[0]);
  for (const k of ['old root', 'new root', 'cross-signed']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(' | ')}`);
  assert.equal(st.horizon.items.filter((i) => i.kind === 'certificate').length, 2);
});

test('CLI: ca status --json shape, --at, --soonest, exit codes', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: 'correct horse battery staple' };
  const none = runCli(['--json', '--state', state, 'ca', 'status']);
  assert.equal(none.code, 2);
  assert.equal((JSON.parse(none.stdout) as { error: { code: string } }).error.code, 'ERR_CA_NOT_INITIALIZED');
  assert.equal(runCli(['--state', state, 'ca', 'init', '--cluster-id', 'c1'], { env }).code, 0);
  const csr = path.join(dir, 'n.csr');
  writeFileSync(csr, makeCsr().pem);
  assert.equal(runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n1', '--role', 'worker'], { env }).code, 0);
  assert.equal(runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n2', '--role', 'worker', '--expiry', '1h'], { env }).code, 0);

  const r = runCli(['--json', '--state', state, 'ca', 'status']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown> & { stage: string; certificates: { live: number }; onOldIssuer: unknown[]; horizon: { items: unknown[]; expiredCertificates: number } };
  for (const k of ['clusterId', 'mode', 'stage', 'trustRoot', 'trustBundle', 'signer', 'retiredRoots', 'certificates', 'onOldIssuer', 'horizon', 'at']) assert.ok(k in doc, k);
  assert.equal(doc.stage, 'idle');
  assert.equal(doc.certificates.live, 2);
  assert.deepEqual(doc.onOldIssuer, []);
  assert.equal(doc.horizon.items.length, 3);

  const later = JSON.parse(runCli(['--json', '--state', state, 'ca', 'status', '--at', iso(Date.now() + 2 * 3_600_000), '--soonest', '0']).stdout) as typeof doc;
  assert.equal(later.horizon.expiredCertificates, 1);
  assert.equal(later.certificates.live, 1);
  assert.equal(later.horizon.items.length, 1, 'only the root with --soonest 0');

  assert.equal(runCli(['--state', state, 'ca', 'rotate'], { env }).code, 0);
  const human = runCli(['--state', state, 'ca', 'status']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /rotation stage cross-signed/);
  assert.match(human.stdout, /still on an old root \(2\)/);
  assert.match(human.stdout, /trust bundle/);
  assert.match(human.stdout, /next: renew/);
  assert.equal(runCli(['--state', state, 'ca', 'status', '--soonest', 'many']).code, 2);
  assert.equal(runCli(['--state', state, 'ca', 'status', '--at', 'yesterday-ish']).code, 2);
});

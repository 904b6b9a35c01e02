import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { certsOf } from '../../src/ca/describe.js';
import { initCa } from '../../src/ca/init.js';
import { issueCertificate, makeSigner, selfSigner } from '../../src/ca/issue.js';
import { loadProfiles } from '../../src/ca/profiles.js';
import { certRandom, renewCertificate, renewalDecision, renewalTime } from '../../src/ca/renew.js';
import { readIssued } from '../../src/ca/state.js';
import { certFields } from '../../src/core/certfields.js';
import { fixedClock } from '../../src/core/clock.js';
import { generateP256, spkiDer } from '../../src/core/keys.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { runCli, tempDir } from '../helpers/env.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.parse('2026-12-01T10:00:00Z');
const pass = Buffer.from('a long enough passphrase');

test('renewalTime: whole minutes in [⌊0.5·D⌋, ⌊0.8·D⌋) after NotBefore, for any lifetime and any random value', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 * 365 * 24 * 60 * 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (lifeSeconds, r) => {
      const nb = new Date(T);
      const na = new Date(T + lifeSeconds * 1000);
      const d = (na.getTime() - nb.getTime()) / MIN;
      const lo = Math.floor(0.5 * d);
      const hi = Math.floor(0.8 * d);
      const u = (renewalTime(nb, na, () => r).getTime() - T) / MIN;
      assert.ok(Number.isInteger(u), `whole minutes: ${u}`);
      if (hi - lo < 1) assert.equal(u, lo);
      else assert.ok(u >= lo && u < hi, `${u} not in [${lo}, ${hi})`);
      assert.ok(u * MIN <= lifeSeconds * 1000);
    }),
    { numRuns: 2000 },
  );
});

test('renewalTime: the default 90 d + 1 h node certificate renews 64 830 to 103 727 minutes after NotBefore (spec 3)', () => {
  const nb = new Date(T - HOUR);
  const na = new Date(nb.getTime() + 90 * DAY + HOUR);
  const minutes = (d: Date) => (d.getTime() - nb.getTime()) / MIN;
  assert.equal(minutes(renewalTime(nb, na, () => 0)), 64_830);
  assert.equal(minutes(renewalTime(nb, na, () => 1 - 2 ** -53)), 103_727);
  assert.equal(minutes(renewalTime(nb, na, () => 0.5)), 64_830 + Math.floor(0.5 * (103_728 - 64_830)));
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < 20_000; i++) {
    const m = minutes(renewalTime(nb, na, Math.random));
    lo = Math.min(lo, m);
    hi = Math.max(hi, m);
  }
  assert.ok(lo >= 64_830 && lo < 64_830 + 100, `min ${lo}`);
  assert.ok(hi <= 103_727 && hi > 103_727 - 100, `max ${hi}`);
  // about 45.0–72.0 days
  assert.equal(Math.round((64_830 * MIN) / DAY * 10) / 10, 45.0);
  assert.equal(Math.round((103_727 * MIN) / DAY * 10) / 10, 72.0);
});

test('renewalTime: tiny lifetimes and bad random values', () => {
  const nb = new Date(T);
  assert.equal(renewalTime(nb, new Date(T + MIN), () => 0.99).getTime(), T, '1 minute: U = 0');
  assert.equal(renewalTime(nb, new Date(T + 2 * MIN), () => 0.99).getTime(), T + MIN, '2 minutes: lo = hi = 1');
  assert.throws(() => renewalTime(nb, new Date(T + DAY), () => 1), TypeError);
  assert.throws(() => renewalTime(nb, new Date(T + DAY), () => Number.NaN), TypeError);
  assert.throws(() => renewalTime(nb, new Date(T + DAY), () => -0.1), TypeError);
});

test('renewalDecision: wait, renew, expired (never renewed silently)', () => {
  const v = { notBefore: new Date(T), notAfter: new Date(T + 100 * MIN) };
  const r = () => 0.5; // U = 50 + ⌊0.5·30⌋ = 65 minutes
  const wait = renewalDecision(v, new Date(T + 64 * MIN), r);
  assert.equal(wait.action, 'wait');
  assert.equal(wait.at.getTime(), T + 65 * MIN);
  assert.match(wait.reason, /not due until/);
  assert.equal(renewalDecision(v, new Date(T + 65 * MIN), r).action, 'renew');
  assert.equal(renewalDecision(v, new Date(T + 99 * MIN), r).action, 'renew');
  const expired = renewalDecision(v, new Date(T + 100 * MIN), r);
  assert.equal(expired.action, 'expired');
  assert.equal(expired.at.getTime(), v.notAfter.getTime());
  assert.equal(renewalDecision(v, new Date(T + 10_000 * MIN), r).action, 'expired');
});

test('certRandom: fixed per certificate, in [0, 1)', () => {
  const a = certRandom(Buffer.from('certificate a'));
  const b = certRandom(Buffer.from('certificate b'));
  assert.equal(a(), a());
  assert.notEqual(a(), b());
  for (let i = 0; i < 200; i++) {
    const v = certRandom(Buffer.from(`c${i}`))();
    assert.ok(v >= 0 && v < 1);
  }
});

async function caWithLeaf(t: { after: (f: () => void | Promise<void>) => void }) {
  const { dir, cleanup } = tempDir();
  const s = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await s.close();
    cleanup();
  });
  await initCa(s, { passphrase: pass, clusterId: 'c1' }, fixedClock(T - DAY));
  const ca = await CertificateAuthority.open(s, { passphrase: pass, clock: fixedClock(T) });
  const csr = makeCsr();
  const leaf = await ca.issue({ csr: csr.der, role: 'worker', nodeId: 'n1', via: 'test' });
  return { s, ca, leaf, csr, dir };
}

const passOnce = () => {
  let calls = 0;
  return { fn: async () => (calls++, pass), get calls() { return calls; } };
};

test('renewCertificate: not due → nothing issued and no passphrase asked; --force renews the same key and identity', async (t) => {
  const { s, leaf } = await caWithLeaf(t);
  const p = passOnce();
  const early = await renewCertificate(s, { cert: Buffer.from(leaf.chainPem) }, { clock: fixedClock(T + DAY), passphrase: p.fn });
  assert.equal(early.renewed, false);
  assert.equal(early.decision.action, 'wait');
  assert.equal(p.calls, 0);
  assert.equal((await readIssued(s)).length, 1);

  const forced = await renewCertificate(s, { cert: Buffer.from(leaf.chainPem), force: true }, { clock: fixedClock(T + DAY), passphrase: p.fn });
  assert.ok(forced.renewed);
  assert.equal(p.calls, 1);
  assert.equal(forced.rekeyed, false);
  const before = new X509Certificate(leaf.der);
  const after = new X509Certificate(forced.issued.der);
  assert.notEqual(after.serialNumber, before.serialNumber);
  assert.equal(after.subject, before.subject);
  assert.equal(after.subjectAltName, before.subjectAltName);
  assert.ok(certFields(after.raw).spki.equals(certFields(before.raw).spki), 'same key');
  assert.equal(Date.parse(after.validTo) - Date.parse(after.validFrom), 90 * DAY + HOUR, 'same lifetime');
  assert.equal(Date.parse(after.validFrom), T + DAY - HOUR);
  const log = await readIssued(s);
  assert.equal(log.length, 2);
  assert.deepEqual([log[1]!.via, log[1]!.nodeId, log[1]!.role, log[1]!.clusterId, log[1]!.profile], ['renew', 'n1', 'worker', 'c1', 'node-worker']);
});

test('renewCertificate: due without --force; rekey with a new CSR keeps the identity', async (t) => {
  const { s, leaf } = await caWithLeaf(t);
  const at80 = T - HOUR + Math.ceil(0.8 * (90 * DAY + HOUR));
  const newCsr = makeCsr();
  const r = await renewCertificate(s, { cert: Buffer.from(leaf.chainPem), csr: newCsr.der }, { clock: fixedClock(at80), passphrase: async () => pass });
  assert.ok(r.renewed);
  assert.equal(r.decision.action, 'renew');
  assert.equal(r.rekeyed, true);
  const after = new X509Certificate(r.issued.der);
  assert.ok(certFields(after.raw).spki.equals(spkiDer(newCsr.key.publicKey)), 'the CSR key');
  assert.equal(after.subject, 'O=c1\nOU=swarm-worker\nCN=n1');
});

test('renewCertificate: expired, revoked, unknown and foreign certificates are refused with exit-1 errors', async (t) => {
  const { s, leaf } = await caWithLeaf(t);
  const deps = { clock: fixedClock(T + 91 * DAY), passphrase: async () => pass };
  await assert.rejects(renewCertificate(s, { cert: Buffer.from(leaf.chainPem), force: true }, deps), (e: { code: string; exitCode: number; message: string }) => {
    assert.equal(e.code, 'ERR_CA_CERT_EXPIRED');
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /swarmguard ca issue --csr NEW\.csr --node-id n1 --role worker/);
    return true;
  });
  const now = { clock: fixedClock(T + DAY), passphrase: async () => pass };
  await s.write('ca/revoked.json', JSON.stringify({ format: 1, entries: [{ serial: leaf.serialHex, revokedAt: new Date(T).toISOString(), reason: 'keyCompromise' }], revokedNodes: [] }));
  await assert.rejects(renewCertificate(s, { cert: Buffer.from(leaf.chainPem), force: true }, now), { code: 'ERR_CA_CERT_REVOKED' });
  await s.write('ca/revoked.json', JSON.stringify({ format: 1, entries: [], revokedNodes: [{ nodeId: 'n1', revokedAt: new Date(T).toISOString(), reason: 'removed' }] }));
  await assert.rejects(renewCertificate(s, { cert: Buffer.from(leaf.chainPem), force: true }, now), { code: 'ERR_CA_CERT_REVOKED' });
  await s.delete('ca/revoked.json');

  // another CA's certificate
  const profiles = await loadProfiles();
  const k = generateP256();
  const spki = spkiDer(k.publicKey);
  const otherRoot = issueCertificate(selfSigner(k.privateKey, [['CN', 'swarm-ca']], spki), { profile: profiles.get('root-ca')!, spki }, new Date(T));
  const otherSigner = makeSigner(otherRoot.der, k.privateKey);
  const foreign = issueCertificate(otherSigner, { profile: profiles.get('node-worker')!, spki: spkiDer(generateP256().publicKey), vars: { clusterId: 'c1', nodeId: 'n1', role: 'swarm-worker' } }, new Date(T));
  await assert.rejects(renewCertificate(s, { cert: Buffer.from(foreign.chainPem), force: true }, now), { code: 'ERR_CA_CERT_UNKNOWN' });
  // ... even one forged with a serial from our log
  const forged = issueCertificate(otherSigner, { profile: profiles.get('node-worker')!, spki: spkiDer(generateP256().publicKey), vars: { clusterId: 'c1', nodeId: 'n1', role: 'swarm-worker' }, serial: Buffer.from(leaf.serialHex, 'hex') }, new Date(T));
  await assert.rejects(renewCertificate(s, { cert: Buffer.from(forged.chainPem), force: true }, now), { code: 'ERR_CA_CERT_NOT_OURS' });
  await assert.rejects(renewCertificate(s, { cert: Buffer.from('not a certificate') }, now), (e: { exitCode: number }) => e.exitCode === 2);
});

test('renewCertificate: a server certificate keeps subject, DNS and IP SANs and its short lifetime', async (t) => {
  const { s, ca } = await caWithLeaf(t);
  const srv = await ca.issue({ csr: makeCsr().der, profile: 'server', subject: [['O', 'ops'], ['CN', 'api']], hosts: ['api.internal', '10.0.0.7', '2001:db8::1'], expiryMs: 24 * HOUR, via: 'test' });
  const r = await renewCertificate(s, { cert: Buffer.from(srv.chainPem), force: true }, { clock: fixedClock(T + HOUR), passphrase: async () => pass });
  assert.ok(r.renewed);
  const a = new X509Certificate(r.issued.der);
  const b = new X509Certificate(srv.der);
  assert.equal(a.subject, b.subject);
  assert.equal(a.subjectAltName, b.subjectAltName);
  assert.equal(Date.parse(a.validTo) - Date.parse(b.validTo), HOUR, 'same 24 h lifetime, one hour later');
});

test('CLI: ca renew exit codes and --json shapes', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: 'correct horse battery staple' };
  assert.equal(runCli(['--state', state, 'ca', 'init', '--cluster-id', 'c1'], { env }).code, 0);
  const csr = path.join(dir, 'n.csr');
  writeFileSync(csr, makeCsr().pem);
  const leafPath = path.join(dir, 'n1.pem');
  assert.equal(runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n1', '--role', 'manager', '--out', leafPath], { env }).code, 0);

  const notDue = runCli(['--json', '--state', state, 'ca', 'renew', '--cert', leafPath]);
  assert.equal(notDue.code, 0, notDue.stderr);
  const nd = JSON.parse(notDue.stdout) as { renewed: boolean; due: string; serial: string };
  assert.equal(nd.renewed, false);
  const dueMin = (Date.parse(nd.due) - Date.parse(new X509Certificate(readFileSync(leafPath)).validFrom)) / MIN;
  assert.ok(dueMin >= 64_830 && dueMin <= 103_727, String(dueMin));
  const again = JSON.parse(runCli(['--json', '--state', state, 'ca', 'renew', '--cert', leafPath]).stdout) as { due: string };
  assert.equal(again.due, nd.due, 'the due time is fixed per certificate');
  const human = runCli(['--state', state, 'ca', 'renew', '--cert', leafPath]);
  assert.equal(human.code, 0);
  assert.equal(human.stdout, '');
  assert.match(human.stderr, /not due until .* --force/);

  const noPass = runCli(['--state', state, 'ca', 'renew', '--cert', leafPath, '--force']);
  assert.equal(noPass.code, 2);
  assert.match(noPass.stderr, /ERR_CLI_SECRET_MISSING/);

  const newCsr = path.join(dir, 'n2.csr');
  writeFileSync(newCsr, makeCsr().pem);
  const forced = runCli(['--json', '--state', state, 'ca', 'renew', '--cert', leafPath, '--csr', newCsr, '--force'], { env });
  assert.equal(forced.code, 0, forced.stderr);
  const fd = JSON.parse(forced.stdout) as { renewed: boolean; rekeyed: boolean; serial: string; previousSerial: string; certificate: string };
  assert.deepEqual([fd.renewed, fd.rekeyed, fd.previousSerial], [true, true, nd.serial]);
  assert.equal(new X509Certificate(certsOf(fd.certificate)[0]!).subject.split('\n')[2], 'CN=n1');

  const out = path.join(dir, 'renewed.pem');
  const toFile = runCli(['--state', state, 'ca', 'renew', '--cert', leafPath, '--force', '--out', out], { env });
  assert.equal(toFile.code, 0, toFile.stderr);
  assert.match(toFile.stderr, /renewed node n1/);
  assert.match(readFileSync(out, 'utf8'), /BEGIN CERTIFICATE/);

  // an expired certificate: issued by this CA a while ago with a one-hour life
  const past = Date.now() - 3 * HOUR;
  {
    const s = new FileStore(state);
    const ca = await CertificateAuthority.open(s, { passphrase: Buffer.from(env.SWARMGUARD_CA_PASSPHRASE), clock: fixedClock(past) });
    const old = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n-old', expiryMs: HOUR, via: 'test' });
    await s.close();
    const oldPath = path.join(dir, 'old.pem');
    writeFileSync(oldPath, old.chainPem);
    const expired = runCli(['--json', '--state', state, 'ca', 'renew', '--cert', oldPath, '--force'], { env });
    assert.equal(expired.code, 1);
    const err = (JSON.parse(expired.stdout) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'ERR_CA_CERT_EXPIRED');
    assert.match(err.message, /ca issue --csr NEW\.csr --node-id n-old --role worker/);

    const strangerDir = tempDir();
    t.after(strangerDir.cleanup);
    const other = path.join(strangerDir.dir, 'state');
    assert.equal(runCli(['--state', other, 'ca', 'init'], { env }).code, 0);
    const unknown = runCli(['--json', '--state', other, 'ca', 'renew', '--cert', leafPath, '--force'], { env });
    assert.equal(unknown.code, 1);
    assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'ERR_CA_CERT_UNKNOWN');
    assert.equal(runCli(['--state', state, 'ca', 'renew'], { env }).code, 2, '--cert is required');
  }
});

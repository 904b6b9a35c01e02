import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { issueCertificate, makeSigner, selfSigner } from '../../src/ca/issue.js';
import { loadProfiles } from '../../src/ca/profiles.js';
import { generateP256, spkiDer } from '../../src/core/keys.js';
import { toPem } from '../../src/core/pem.js';
import { collectTls, describePeerChain, splitAddress } from '../../src/audit/collect-tls.js';
import { nodeCert } from '../../src/audit/rules/node-cert.js';
import { snap } from './helpers.js';
import { isSwarmguardError } from '../../src/errors.js';

const profiles = await loadProfiles();
const CLUSTER = 'abcdefghij0123456789klmno';
const NODE = 'ymexksi6wa6vo90xmt95y0kmd';
const ISSUED = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

function makeRoot() {
  const k = generateP256();
  const spki = spkiDer(k.publicKey);
  const root = issueCertificate(selfSigner(k.privateKey, [['CN', 'swarm-ca']], spki), { profile: profiles.get('root-ca')!, spki }, ISSUED);
  return { root, signer: makeSigner(root.der, k.privateKey), spki };
}

function leaf(signer: ReturnType<typeof makeRoot>['signer'], vars: { clusterId: string; nodeId: string }, role: 'manager' | 'worker' = 'manager') {
  const key = generateP256();
  const cert = issueCertificate(signer, { profile: profiles.get(`node-${role}`)!, spki: spkiDer(key.publicKey), vars }, ISSUED);
  return { cert, key };
}

/** A real TLS server on 127.0.0.1 presenting `certPem`; returns its port. */
async function serve(certPem: string, keyPem: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = tls.createServer({ cert: certPem, key: keyPem, requestCert: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

const swarm = (rootPem: string, spki: Buffer) => ({ ID: CLUSTER, Spec: { CAConfig: { NodeCertExpiry: 90 * DAY * 1e6 } }, TLSInfo: { TrustRoot: rootPem, CertIssuerPublicKey: spki.toString('base64') } });

test('collectTls: a real handshake yields the leaf facts; a closed port is a per-address error; evaluation by the expiry horizons', async () => {
  const { root, signer, spki } = makeRoot();
  const { cert, key } = leaf(signer, { clusterId: CLUSTER, nodeId: NODE });
  const srv = await serve(cert.chainPem, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const closed = await serve(cert.chainPem, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  await closed.close();
  try {
    const nodes = [
      { ID: NODE, Spec: { Role: 'manager' }, Description: { Hostname: 'm1' }, ManagerStatus: { Addr: `127.0.0.1:${srv.port}`, Leader: true } },
      { ID: 'other', Spec: { Role: 'manager' }, ManagerStatus: { Addr: `127.0.0.1:${closed.port}` } },
      { ID: 'w', Spec: { Role: 'worker' } },
    ];
    const s = snap({ nodes, swarm: swarm(toPem('CERTIFICATE', root.der), spki) });
    const fact = await collectTls(s.facts, { timeoutMs: 2000 });
    assert.ok('data' in fact);
    const [a, b] = fact.data;
    assert.equal(a!.nodeId, NODE);
    assert.deepEqual(a!.cert!.subject, { O: CLUSTER, OU: 'swarm-manager', CN: NODE });
    assert.equal(a!.cert!.notAfter, cert.notAfter.toISOString());
    assert.match(a!.cert!.authorityKeyId ?? '', /^[0-9a-f]{40}$/);
    assert.match(b!.error ?? '', /ECONNREFUSED/);
    assert.equal(fact.data.length, 2, 'workers are not probed');
    s.facts.tls = fact;
    const at = (d: number) => nodeCert.evaluate(s.facts, { highDays: 7, mediumDays: 30 }, new Date(cert.notAfter.getTime() - d * DAY));
    const mine = (d: number) => at(d).find((o) => o.target.id === NODE)!;
    assert.equal(mine(60).status, 'pass');
    assert.equal(mine(20).status, 'fail');
    assert.equal(mine(20).severity, 'medium');
    assert.equal(mine(3).severity, 'high');
    assert.equal(mine(-1).severity, 'high');
    assert.match(mine(-1).message, /expired/);
    assert.equal(at(60).find((o) => o.target.id === 'other')!.status, 'unknown', 'an unreachable manager is never a pass');
  } finally {
    await srv.close();
  }
});

test('node-cert: wrong CN, worker OU, foreign issuer, renewal failing, no tls facts', () => {
  const { root, signer, spki } = makeRoot();
  const other = makeRoot();
  const probe = (cert: { der: Buffer; notBefore: Date; notAfter: Date }, subject: Record<string, string>) => ({
    address: '127.0.0.1:2377', source: 'manager', nodeId: NODE,
    cert: { subject, subjectText: '', issuerText: 'CN=swarm-ca', serial: '01', notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), fingerprintSha256: '', chainLength: 1, pem: toPem('CERTIFICATE', cert.der) },
  });
  const base = { swarm: swarm(toPem('CERTIFICATE', root.der), spki), nodes: [{ ID: NODE, Spec: { Role: 'manager' } }] };
  const p = { highDays: 7, mediumDays: 30 };
  const now = new Date(ISSUED.getTime() + 10 * DAY);
  const good = leaf(signer, { clusterId: CLUSTER, nodeId: NODE }).cert;
  assert.equal(nodeCert.evaluate(snap({ ...base, tls: [probe(good, { O: CLUSTER, OU: 'swarm-manager', CN: NODE })] }).facts, p, now)[0]!.status, 'pass');
  const wrongCn = nodeCert.evaluate(snap({ ...base, tls: [probe(leaf(signer, { clusterId: CLUSTER, nodeId: 'zz' }).cert, { O: CLUSTER, OU: 'swarm-manager', CN: 'zz' })] }).facts, p, now)[0]!;
  assert.equal(wrongCn.status, 'fail');
  assert.match(wrongCn.message, /CN=zz/);
  const worker = nodeCert.evaluate(snap({ ...base, tls: [probe(leaf(signer, { clusterId: CLUSTER, nodeId: NODE }, 'worker').cert, { O: CLUSTER, OU: 'swarm-worker', CN: NODE })] }).facts, p, now)[0]!;
  assert.match(worker.message, /OU=swarm-worker/);
  const foreign = nodeCert.evaluate(snap({ ...base, tls: [probe(leaf(other.signer, { clusterId: CLUSTER, nodeId: NODE }).cert, { O: CLUSTER, OU: 'swarm-manager', CN: NODE })] }).facts, p, now)[0]!;
  assert.equal(foreign.severity, 'high');
  assert.match(foreign.message, /not signed by the cluster's issuer key/);
  // 30-day policy, certificate issued 40 days ago with a 30-day lifetime: renewal stopped
  const short = { ...base, swarm: { ...base.swarm, Spec: { CAConfig: { NodeCertExpiry: 30 * DAY * 1e6 } } } };
  const c30 = { der: good.der, notBefore: ISSUED, notAfter: new Date(ISSUED.getTime() + 30 * DAY) };
  const stale = nodeCert.evaluate(snap({ ...short, tls: [probe(c30, { O: CLUSTER, OU: 'swarm-manager', CN: NODE })] }).facts, p, new Date(ISSUED.getTime() + 40 * DAY))[0]!;
  assert.match(stale.message, /renewal is failing/);
  assert.equal(nodeCert.evaluate(snap(base).facts, p, now)[0]!.status, 'unknown');
});

test('splitAddress: fuzz never throws', () => {
  fc.assert(fc.property(fc.string(), (s) => {
    const r = splitAddress(s);
    assert.ok(r === undefined || (r.port >= 1 && r.port <= 65535));
  }));
  assert.deepEqual(splitAddress('[::1]:2377'), { host: '::1', port: 2377 });
  assert.deepEqual(splitAddress('10.0.0.1'), { host: '10.0.0.1', port: 2377 });
  void createPrivateKey;
});

test('describePeerChain: fuzz (random and truncated DER) gives facts or typed errors only; collectTls keeps them per address', async () => {
  const { signer } = makeRoot();
  const der = leaf(signer, { clusterId: CLUSTER, nodeId: NODE }).cert.der;
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)), fc.nat(der.length - 1).map((n) => der.subarray(0, n)), fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => { const c = Buffer.from(der); c[i] = b; return c; })), (buf) => {
      try {
        describePeerChain([buf]);
      } catch (e) {
        assert.ok(isSwarmguardError(e), String(e));
      }
    }),
    { numRuns: 300 },
  );
  const s = snap({ nodes: [{ ID: NODE, Spec: { Role: 'manager' }, ManagerStatus: { Addr: '127.0.0.1:1' } }] });
  const fact = await collectTls(s.facts, { connector: async () => ({ chain: [Buffer.from('not a cert')] }) });
  assert.ok('data' in fact);
  assert.match(fact.data[0]!.error!, /does not parse/);
});

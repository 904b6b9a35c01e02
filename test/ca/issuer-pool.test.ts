import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { serialize } from 'node:v8';
import { CertificateAuthority, type CaIssueRequest } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import type { IssuedCertificate } from '../../src/ca/issue.js';
import { IssuerPool } from '../../src/ca/issuer-pool.js';
import { readIssued } from '../../src/ca/state.js';
import { fixedClock } from '../../src/core/clock.js';
import { defaults } from '../../src/defaults.js';
import { bytesOf, children, readTlv } from '../../src/core/der.js';
import { SwarmguardError } from '../../src/errors.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { tempDir } from '../helpers/env.js';

const pass = Buffer.from('issuer pool passphrase');
const CLOCK = fixedClock('2026-11-28T19:30:10Z');

async function setup(t: { after: (f: () => Promise<void>) => void }, blocked: string[] = []) {
  const { dir, cleanup } = tempDir();
  const store = new FileStore(path.join(dir, 'state'));
  await initCa(store, { passphrase: pass, clusterId: 'c1' }, CLOCK);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: CLOCK, isNodeBlocked: (id) => blocked.includes(id) });
  t.after(async () => {
    await ca.stopIssuerPool();
    await store.close();
    cleanup();
  });
  return { store, ca };
}

/** The TBSCertificate's fields but the serial, as DER: equal when two certificates differ only by serial (and signature). */
function tbsWithoutSerial(der: Buffer): Buffer[] {
  const top = readTlv(der, 0);
  const [tbs] = children(der, top);
  return children(der, tbs!).filter((_, i) => i !== 1).map((f) => bytesOf(der, f));
}

const GOOD: Array<Omit<CaIssueRequest, 'csr'>> = [
  { role: 'worker', nodeId: 'node-w1', via: 'test' },
  { role: 'manager', nodeId: 'node-m1', clusterId: 'other-cluster', via: 'test' },
  { role: 'worker', nodeId: 'node-w2', expiryMs: 3 * 3_600_000, via: 'test' },
  { profile: 'client', subject: [['CN', 'operator'], ['O', 'ops']], via: 'test' },
  { profile: 'server', subject: [['CN', 'ca.example']], hosts: ['ca.example', '127.0.0.1', '::1'], via: 'test' },
];

test('pooled issue and issueMany build the same certificates and records as issue (all but the serial), signed by the CA', async (t) => {
  const { store, ca } = await setup(t);
  const csrs = GOOD.map(() => makeCsr());
  const inline: IssuedCertificate[] = [];
  for (const [i, r] of GOOD.entries()) inline.push(await ca.issue({ ...r, csr: csrs[i]!.der }));
  await ca.startIssuerPool(2);
  assert.equal(ca.issuerThreads, 2);
  const single: IssuedCertificate[] = [];
  for (const [i, r] of GOOD.entries()) single.push(await ca.issue({ ...r, csr: i % 2 ? csrs[i]!.pem : csrs[i]!.der }));
  const many = await ca.issueMany(GOOD.map((r, i) => ({ ...r, csr: csrs[i]!.pem })));
  const root = new X509Certificate(ca.signer.certDer);
  for (const [i, want] of inline.entries()) {
    const m = many[i]!;
    assert.ok('cert' in m, `request ${i} issued`);
    for (const got of [single[i]!, m.cert]) {
      assert.deepEqual(tbsWithoutSerial(got.der), tbsWithoutSerial(want.der), `request ${i}`);
      assert.notEqual(got.serialHex, want.serialHex);
      assert.ok(Buffer.isBuffer(got.der));
      assert.deepEqual({ ...got, der: 0, serialHex: 0, chainPem: 0 }, { ...want, der: 0, serialHex: 0, chainPem: 0 });
      assert.equal(got.chainPem, new X509Certificate(got.der).toString());
      assert.ok(new X509Certificate(got.der).verify(root.publicKey), `request ${i}: signature by the CA`);
    }
  }
  // the records: the same content on every path, but the serial
  const log = new Map((await readIssued(store)).map((r) => [r.serial, r]));
  assert.equal(log.size, 3 * GOOD.length);
  for (const [i, want] of inline.entries()) {
    const m = many[i]!;
    assert.ok('cert' in m);
    for (const got of [single[i]!, m.cert]) assert.deepEqual({ ...log.get(got.serialHex), serial: 0 }, { ...log.get(want.serialHex), serial: 0 }, `record ${i}`);
  }
});

test('refusals: the same error class, code and message with and without the pool; nothing recorded for them', async (t) => {
  const { store, ca } = await setup(t, ['node-revoked']);
  const good = makeCsr();
  const bad: Array<[string, CaIssueRequest]> = [
    ['ERR_CSR_SIGNATURE', { csr: makeCsr({ tamper: true }).der, role: 'worker', nodeId: 'n1', via: 'test' }],
    ['ERR_KEY_WEAK', { csr: makeCsr({ spec: { ec: 'secp256k1' } }).pem, role: 'worker', nodeId: 'n2', via: 'test' }],
    ['ERR_KEY_WEAK', { csr: makeCsr({ spec: { rsa: 1024 } }).der, role: 'worker', nodeId: 'n3', via: 'test' }],
    ['ERR_CSR_MALFORMED', { csr: Buffer.from('not a csr'), role: 'worker', nodeId: 'n4', via: 'test' }],
    ['ERR_CSR_MALFORMED', { csr: '', role: 'worker', nodeId: 'n4', via: 'test' }],
    ['ERR_CA_REQUEST_INVALID', { csr: good.der, role: 'worker', nodeId: 'bad id!', via: 'test' }],
    ['ERR_CA_REQUEST_INVALID', { csr: good.der, via: 'test' }],
    ['ERR_CA_PROFILE_UNKNOWN', { csr: good.der, profile: 'nope', via: 'test' }],
    ['ERR_CA_NODE_REVOKED', { csr: good.der, role: 'worker', nodeId: 'node-revoked', via: 'test' }],
    ['ERR_CA_EXPIRY_TOO_SHORT', { csr: good.der, role: 'worker', nodeId: 'n5', expiryMs: 60_000, via: 'test' }],
    ['ERR_CA_REQUEST_INVALID', { csr: good.der, profile: 'server', subject: [['CN', 'x']], hosts: ['bad host'], via: 'test' }],
  ];
  const catchOf = async (p: Promise<unknown>): Promise<SwarmguardError> => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof SwarmguardError, String(e));
      return e;
    }
    assert.fail('not refused');
  };
  const inline = [];
  for (const [code, req] of bad) {
    const e = await catchOf(ca.issue(req));
    assert.equal(e.code, code, e.message);
    inline.push(e);
  }
  const inlineMany = await ca.issueMany(bad.map(([, r]) => r));
  await ca.startIssuerPool(2);
  const pooledMany = await ca.issueMany([...bad.map(([, r]) => r), { csr: good.pem, role: 'worker', nodeId: 'ok-node', via: 'test' }]);
  for (const [i, want] of inline.entries()) {
    const pooled = await catchOf(ca.issue(bad[i]![1]));
    for (const got of [pooled, (inlineMany[i] as { error: SwarmguardError }).error, (pooledMany[i] as { error: SwarmguardError }).error]) {
      assert.equal(got.constructor, want.constructor, bad[i]![0]);
      assert.equal(got.code, want.code);
      assert.equal(got.message, want.message);
    }
  }
  const ok = pooledMany.at(-1)!;
  assert.ok('cert' in ok);
  const log = await readIssued(store);
  assert.deepEqual(log.map((r) => r.serial), [ok.cert.serialHex], 'only the issued certificate is recorded');
  assert.deepEqual(
    { ...log[0], serial: 0 },
    { serial: 0, profile: 'node-worker', nodeId: 'ok-node', role: 'worker', clusterId: 'c1', subject: 'O=c1,OU=swarm-worker,CN=ok-node', notBefore: ok.cert.notBefore.toISOString(), notAfter: ok.cert.notAfter.toISOString(), issuerSki: ca.signer.ski.toString('hex'), issuedAt: '2026-11-28T19:30:10.000Z', via: 'test' },
  );
});

test('a batch of 300 over the pool: serials unique, every certificate in the issuance log, one record each', async (t) => {
  const { store, ca } = await setup(t);
  await ca.startIssuerPool(2);
  const csrs = Array.from({ length: 60 }, () => makeCsr().pem);
  const reqs = Array.from({ length: 300 }, (_, i): CaIssueRequest => ({ csr: csrs[i % csrs.length]!, role: i % 10 ? 'worker' : 'manager', nodeId: `node-${i}`, via: 'batch' }));
  const [a, b] = await Promise.all([ca.issueMany(reqs.slice(0, 150)), ca.issueMany(reqs.slice(150))]);
  const certs = [...a!, ...b!].map((o) => {
    assert.ok('cert' in o);
    return o.cert;
  });
  const serials = certs.map((c) => c.serialHex);
  assert.equal(new Set(serials).size, 300);
  const log = await readIssued(store);
  assert.deepEqual(log.map((r) => r.serial).sort(), [...serials].sort());
  const byNode = new Map(log.map((r) => [r.nodeId, r]));
  for (const [i, c] of certs.entries()) {
    const x = new X509Certificate(c.der);
    assert.ok(x.subject.includes(`CN=node-${i}`), x.subject);
    assert.equal(byNode.get(`node-${i}`)!.serial, c.serialHex);
    assert.equal(byNode.get(`node-${i}`)!.role, i % 10 ? 'worker' : 'manager');
  }
});

test('a big batch goes out in messages of at most issuerJobsPerMessage, pulled: no thread holds more than issuerMessagesInFlight', async (t) => {
  const { ca } = await setup(t);
  const sent: number[] = [];
  let outstanding = 0;
  let most = 0;
  const tap = (dir: string, m: unknown): void => {
    const msg = m as { type: string; jobs?: unknown[]; results?: unknown[]; ders?: ArrayBuffer };
    if (dir === 'to-worker' && msg.type === 'batch') {
      sent.push(msg.jobs!.length);
      most = Math.max(most, ++outstanding);
    }
    if (dir === 'from-worker' && msg.type === 'results') {
      outstanding--;
      assert.ok(msg.ders instanceof ArrayBuffer, 'certificates come back in one buffer');
    }
  };
  await ca.startIssuerPool(2, { tap });
  const csrs = Array.from({ length: 40 }, () => makeCsr().pem);
  const n = defaults.ca.issuerJobsPerMessage * 2 * defaults.ca.issuerMessagesInFlight + 37;
  const out = await ca.issueMany(Array.from({ length: n }, (_, i): CaIssueRequest => ({ csr: csrs[i % csrs.length]!, role: 'worker', nodeId: `node-${i}`, via: 'test' })));
  assert.equal(out.filter((o) => 'cert' in o).length, n);
  assert.equal(sent.reduce((a, b) => a + b, 0), n);
  assert.ok(sent.every((k) => k >= 1 && k <= defaults.ca.issuerJobsPerMessage), `message sizes ${sent.join(',')}`);
  // more messages than the threads may hold at once: the rest waited for answers
  assert.ok(sent.length > 2 * defaults.ca.issuerMessagesInFlight, `${sent.length} messages`);
  assert.equal(most, 2 * defaults.ca.issuerMessagesInFlight);
  // a small turn is still spread over both threads
  sent.length = 0;
  await ca.issueMany(Array.from({ length: 6 }, (_, i): CaIssueRequest => ({ csr: csrs[i]!, role: 'worker', nodeId: `small-${i}`, via: 'test' })));
  assert.deepEqual(sent, [3, 3]);
});

test('the CA key goes to each thread once, in its init message; nothing else carries it', async (t) => {
  const { ca } = await setup(t);
  const seen: Array<{ dir: string; bytes: Buffer; hasKey: boolean; type: unknown }> = [];
  const tap = (dir: string, m: unknown): void => {
    const hasKey = m !== null && typeof m === 'object' && 'key' in m;
    // the KeyObject itself cannot be v8-serialized: look at everything else
    const rest = hasKey ? { ...(m as Record<string, unknown>), key: undefined } : m;
    seen.push({ dir, bytes: serialize(rest), hasKey, type: (m as { type?: unknown }).type });
  };
  await ca.startIssuerPool(3, { tap });
  await ca.issueMany(Array.from({ length: 20 }, (_, i) => ({ csr: makeCsr().pem, role: 'worker' as const, nodeId: `n${i}`, via: 'test' })));
  await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'bad id', via: 'test' }).catch(() => undefined);
  const jwk = ca.signer.key.export({ format: 'jwk' });
  const secrets = [Buffer.from(jwk.d!, 'base64url'), ca.signer.key.export({ type: 'pkcs8', format: 'der' })];
  const inits = seen.filter((s) => s.type === 'init');
  assert.equal(inits.length, 3);
  assert.ok(inits.every((s) => s.dir === 'to-worker' && s.hasKey));
  assert.ok(seen.some((s) => s.type === 'results'));
  for (const s of seen) {
    if (s.type !== 'init') assert.equal(s.hasKey, false, `${String(s.type)} message carries a key`);
    for (const secret of secrets) assert.equal(s.bytes.indexOf(secret), -1, `${s.dir} ${String(s.type)} message holds key bytes`);
  }
});

test('pool lifecycle: a thread that cannot load the signer fails the start and leaves no thread; close rejects pending and later jobs', async (t) => {
  const { ca } = await setup(t);
  const profiles = ca.profiles.values();
  await assert.rejects(IssuerPool.start({ ...ca.signer, certDer: Buffer.from('garbage') }, profiles, { threads: 2 }), (e: SwarmguardError) => {
    assert.ok(e instanceof SwarmguardError);
    assert.match(e.message, /issuer thread could not load the CA signer/);
    return true;
  });
  await assert.rejects(IssuerPool.start(ca.signer, [], { threads: 0 }), TypeError);
  const pool = await IssuerPool.start(ca.signer, ca.profiles.values(), { threads: 1 });
  const now = CLOCK.now();
  const pending = pool.issue({ csr: makeCsr().pem, profile: 'node-worker', vars: { clusterId: 'c1', nodeId: 'n1', role: 'swarm-worker' } }, now);
  const refused = assert.rejects(pending, { code: 'ERR_CA_ISSUER_CLOSED' });
  await pool.close();
  await refused;
  await assert.rejects(pool.issue({ csr: makeCsr().pem, profile: 'node-worker' }, now), { code: 'ERR_CA_ISSUER_CLOSED' });
  assert.equal(pool.closed, true);
  // the CA without a pool issues inline again
  await ca.startIssuerPool(1);
  await ca.stopIssuerPool();
  assert.equal(ca.issuerThreads, 0);
  assert.ok((await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n2', via: 'test' })).der.length > 0);
});

test('a thread that dies mid-batch: the whole batch rejects, nothing is recorded, the pool shuts down and the CA starts a new one', async (t) => {
  const { store, ca } = await setup(t);
  await ca.startIssuerPool(2);
  // reach the running pool and one of its threads (private) to kill the thread as a crash would
  const pool = (ca as unknown as { pool: IssuerPool }).pool;
  const threads = (pool as unknown as { slots: Array<{ worker: import('node:worker_threads').Worker }> }).slots;
  const batch = ca.issueMany(Array.from({ length: 40 }, (_, i) => ({ csr: makeCsr().pem, role: 'worker' as const, nodeId: `n${i}`, via: 'test' })));
  const refused = assert.rejects(batch, { code: 'ERR_CA_ISSUER_POOL' });
  await threads[0]!.worker.terminate();
  await refused;
  assert.equal(pool.closed, true);
  await assert.rejects(pool.issue({ csr: makeCsr().pem, profile: 'node-worker' }, CLOCK.now()), { code: 'ERR_CA_ISSUER_POOL' });
  assert.deepEqual(await readIssued(store), [], 'nothing of the failed batch was recorded');
  const next = await ca.issue({ csr: makeCsr().pem, role: 'worker', nodeId: 'after', via: 'test' });
  assert.equal(ca.issuerThreads, 2);
  assert.notEqual((ca as unknown as { pool: IssuerPool }).pool, pool, 'a new pool');
  assert.deepEqual((await readIssued(store)).map((r) => r.serial), [next.serialHex]);
});

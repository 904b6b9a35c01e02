/**
 * A real Docker swarm rotated onto `swarmguard ca serve` as its external CA
 * (spec 4, 5 and 11), then a worker joining through it.
 *
 *   dockerd + swarm init → swarmguard ca init → ca serve (mTLS: the swarm's root
 *   and ours as client roots, managers only, this cluster only) →
 *   docker swarm ca --rotate --ca-cert OUR_ROOT --external-ca protocol=cfssl,url=…,cacert=OUR_ROOT
 *
 * Then the manager's swarm-node.crt must come from us (its serial is in our
 * issuance log, it verifies under our root with openssl, its AKI is our
 * root's SKI), the swarm's TrustRoot must be our root, and `docker node ls`
 * must work. A second daemon joins as a worker: its certificate is signed by
 * us too, through the manager's CA server; promoted to manager, it renews
 * through us again.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cliPath } from '../helpers/env.js';
import { cfsslCertinfo, splitPemCertificates } from './harness/cfssl.js';
import { startDockerd, type DockerdHandle } from './harness/dockerd.js';
import { checks, dockerdChecks, requireTools } from './harness/interop.js';
import { opensslVerify } from './harness/openssl.js';
import { makeTempDir, runChecked, startProcess, waitFor, type ManagedProcess } from './harness/process.js';

const PASSPHRASE = 'external-ca interop passphrase';
/** Seen here: the rotation takes about 4 s (spec 4.4, 11); allow for a loaded machine. */
const ROTATE_TIMEOUT_MS = 120_000;
const CONVERGE_TIMEOUT_MS = 60_000;

interface ServeHandle {
  proc: ManagedProcess;
  signUrl: string;
}

/** `swarmguard …` with the built CLI, as a user runs it. */
async function swarmguard(args: string[]): Promise<string> {
  return (await runChecked(process.execPath, [cliPath, ...args], { env: cleanEnv() })).stdout;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SWARMGUARD_CA_PASSPHRASE;
  delete env.SWARMGUARD_STATE;
  return env;
}

async function startServe(tmp: string, args: string[]): Promise<ServeHandle> {
  const proc = await startProcess({
    name: 'ca-serve',
    command: process.execPath,
    args: [cliPath, '--json', ...args],
    env: cleanEnv(),
    tmp,
    graceMs: 10_000,
    ready: {
      probe: async () => (await readFile(join(tmp, 'ca-serve.stdout'), 'utf8')).includes('"signUrl"'),
      timeoutMs: 30_000,
    },
  });
  const doc = JSON.parse(await readFile(proc.stdoutPath, 'utf8')) as { signUrl: string };
  return { proc, signUrl: doc.signUrl };
}

/** Lowercase hex without leading zero bytes: how our issuance log writes serials. */
const normSerial = (hex: string): string => hex.toLowerCase().replace(/^(00)+(?=..)/, '');
const normKeyId = (s: string): string => s.replace(/[^0-9a-f]/gi, '').toLowerCase();

async function issuedSerials(state: string): Promise<Map<string, { nodeId?: string; role?: string; via: string }>> {
  const text = await readFile(join(state, 'ca', 'issued.jsonl'), 'utf8');
  const out = new Map<string, { nodeId?: string; role?: string; via: string }>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { serial: string; nodeId?: string; role?: string; via: string };
    out.set(normSerial(r.serial), r);
  }
  return out;
}

async function swarmInfo(daemon: DockerdHandle): Promise<{ RootRotationInProgress: boolean; TLSInfo: { TrustRoot: string } }> {
  const res = await daemon.api('GET', '/v1.41/swarm');
  assert.equal(res.status, 200, res.body);
  return res.json();
}

async function diagnostics(t: TestContext, what: Record<string, { logs(maxBytes?: number): Promise<string> } | undefined>): Promise<void> {
  for (const [name, p] of Object.entries(what)) {
    if (!p) continue;
    process.stderr.write(`\n===== ${name} log tail =====\n${await p.logs(8_000)}\n`);
  }
  t.diagnostic('log tails of dockerd and ca serve were written to stderr');
}

test('a real swarm rotates onto swarmguard ca serve as its external CA, and a worker joins (and is promoted) through it', { timeout: 300_000 }, async (t) => {
  if (!(await requireTools(t, { ...dockerdChecks, openssl: checks.openssl, cfssl: checks.cfssl }))) return;

  const tmp = await makeTempDir('sgc-');
  const state = join(tmp, 'state');
  const pass = join(tmp, 'pass');
  await writeFile(pass, `${PASSPHRASE}\n`, { mode: 0o600 });

  const manager = await startDockerd();
  let worker: DockerdHandle | undefined;
  let serve: ServeHandle | undefined;
  try {
    const swarm = await manager.swarmInit();
    t.diagnostic(`swarm ${swarm.clusterId} on ${swarm.addr}, manager ${swarm.nodeId}`);
    const swarmRoot = await readFile(manager.certificates.rootCa, 'utf8');

    // Our CA, a fresh state dir.
    const init = JSON.parse(await swarmguard(['--json', '--state', state, 'ca', 'init', '--passphrase-file', pass])) as { clusterId: string };
    assert.ok(init.clusterId);
    const ourRootPem = await swarmguard(['--state', state, 'ca', 'export-root']);
    const ourRoot = new X509Certificate(ourRootPem);
    const ourRootFile = join(tmp, 'our-root.pem');
    await writeFile(ourRootFile, ourRootPem);
    // Managers present their node certificates: from the swarm's root before and
    // during the rotation, from ours after it.
    const clientCaFile = join(tmp, 'client-ca.pem');
    await writeFile(clientCaFile, swarmRoot + ourRootPem);

    serve = await startServe(tmp, [
      '--state', state, 'ca', 'serve',
      '--listen', '127.0.0.1:0',
      '--client-ca', clientCaFile,
      '--require-manager',
      '--cluster-id', swarm.clusterId,
      '--passphrase-file', pass,
    ]);
    t.diagnostic(`swarmguard ca serve at ${serve.signUrl}`);

    // spec 4.1: rotate onto an external root; cacert is what the manager trusts for our server.
    const t0 = Date.now();
    const rotate = await manager.docker(
      ['swarm', 'ca', '--rotate', '--ca-cert', ourRootFile, '--external-ca', `protocol=cfssl,url=${serve.signUrl},cacert=${ourRootFile}`],
      { timeoutMs: ROTATE_TIMEOUT_MS },
    );
    assert.equal(rotate.code, 0, `docker swarm ca --rotate failed:\n${rotate.stderr}\n${rotate.stdout}`);
    await waitFor(async () => !(await swarmInfo(manager)).RootRotationInProgress, {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 200,
      what: 'the root rotation to finish',
    });
    t.diagnostic(`rotation onto the external CA finished in ${Date.now() - t0} ms`);

    // The swarm now trusts our root, and only it.
    const info = await swarmInfo(manager);
    const trust = splitPemCertificates(info.TLSInfo.TrustRoot);
    assert.equal(trust.length, 1, 'TrustRoot holds one certificate');
    assert.equal(new X509Certificate(trust[0]!).fingerprint256, ourRoot.fingerprint256, 'docker info TrustRoot is our root');
    await waitFor(async () => new X509Certificate(await readFile(manager.certificates.rootCa)).fingerprint256 === ourRoot.fingerprint256, {
      timeoutMs: CONVERGE_TIMEOUT_MS,
      intervalMs: 200,
      what: 'swarm-root-ca.crt to become our root',
    });

    // The manager's certificate came from us.
    const chain = splitPemCertificates(await readFile(manager.certificates.nodeCert, 'utf8'));
    const leafPem = chain[0]!;
    const leaf = new X509Certificate(leafPem);
    const issued = await issuedSerials(state);
    const record = issued.get(normSerial(leaf.serialNumber));
    assert.ok(record, `serial ${leaf.serialNumber} of swarm-node.crt is in our issuance log`);
    assert.equal(record.via, 'cfssl-api');
    assert.equal(record.nodeId, swarm.nodeId);
    assert.equal(record.role, 'manager');
    assert.ok(leaf.verify(ourRoot.publicKey), 'the leaf verifies under our root key');
    assert.equal(leaf.issuer, 'CN=swarm-ca');
    assert.equal(leaf.subject, `O=${swarm.clusterId}\nOU=swarm-manager\nCN=${swarm.nodeId}`);
    const leafInfo = await cfsslCertinfo(leafPem);
    const rootInfo = await cfsslCertinfo(ourRootPem);
    assert.equal(normKeyId(leafInfo.authority_key_id), normKeyId(rootInfo.subject_key_id), "the leaf's AKI is our root's SKI");
    assert.deepEqual(leafInfo.sans, ['swarm-manager', swarm.nodeId, 'swarm-ca']);
    const leafFile = join(tmp, 'manager-leaf.pem');
    await writeFile(leafFile, leafPem);
    const verified = await opensslVerify({ caFile: ourRootFile, certFile: leafFile, purpose: 'sslclient' });
    assert.ok(verified.ok, `openssl verify under our root: ${verified.output}`);

    // what an operator sees: docker info (the CLI) names our root as the trust root
    const cliTrust = await manager.docker(['info', '--format', '{{json .Swarm.Cluster.TLSInfo.TrustRoot}}'], { check: true });
    assert.equal(new X509Certificate(JSON.parse(cliTrust.stdout) as string).fingerprint256, ourRoot.fingerprint256, 'docker info shows our root');

    const nodes = await manager.docker(['node', 'ls', '--format', '{{.ID}} {{.ManagerStatus}} {{.TLSStatus}}'], { check: true });
    assert.match(nodes.stdout.trim(), new RegExp(`^${swarm.nodeId} Leader`));

    // A worker joins with the regenerated token; the manager's CA signs through us.
    const workerToken = (await manager.docker(['swarm', 'join-token', '-q', 'worker'], { check: true })).stdout.trim();
    worker = await startDockerd();
    const joined = await worker.swarmJoin({ remoteAddr: swarm.addr, token: workerToken });
    const workerLeafPem = splitPemCertificates(await readFile(worker.certificates.nodeCert, 'utf8'))[0]!;
    const workerLeaf = new X509Certificate(workerLeafPem);
    const workerRecord = (await issuedSerials(state)).get(normSerial(workerLeaf.serialNumber));
    assert.ok(workerRecord, "the worker's certificate is in our issuance log");
    assert.equal(workerRecord.role, 'worker');
    assert.equal(workerLeaf.subject, `O=${swarm.clusterId}\nOU=swarm-worker\nCN=${joined.nodeId}`);
    assert.deepEqual((await cfsslCertinfo(workerLeafPem)).sans, ['swarm-worker', joined.nodeId]);
    const workerFile = join(tmp, 'worker-leaf.pem');
    await writeFile(workerFile, workerLeafPem);
    assert.ok((await opensslVerify({ caFile: ourRootFile, certFile: workerFile, purpose: 'sslclient' })).ok);
    const all = await manager.docker(['node', 'ls', '--format', '{{.ID}}'], { check: true });
    assert.deepEqual(all.stdout.trim().split('\n').sort(), [swarm.nodeId, joined.nodeId].sort());

    // A role change forces a renewal (spec 3) without any rotation: the promoted worker's
    // manager certificate is signed by us as well.
    await manager.docker(['node', 'promote', joined.nodeId], { check: true });
    let promotedPem = '';
    await waitFor(
      async () => {
        promotedPem = splitPemCertificates(await readFile(worker!.certificates.nodeCert, 'utf8'))[0] ?? '';
        return promotedPem !== '' && new X509Certificate(promotedPem).subject.includes('OU=swarm-manager');
      },
      { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 200, what: 'the promoted node to get a manager certificate' },
    );
    const promoted = new X509Certificate(promotedPem);
    const promotedRecord = (await issuedSerials(state)).get(normSerial(promoted.serialNumber));
    assert.ok(promotedRecord, "the promoted node's manager certificate is in our issuance log");
    assert.equal(promotedRecord.role, 'manager');
    assert.equal(promotedRecord.nodeId, joined.nodeId);
    assert.deepEqual((await cfsslCertinfo(promotedPem)).sans, ['swarm-manager', joined.nodeId, 'swarm-ca']);

    // ca serve stops cleanly on SIGTERM and says what it did.
    const status = await serve.proc.stop();
    assert.equal(status.code, 0, await serve.proc.logs());
    assert.match(await readFile(serve.proc.stderrPath, 'utf8'), /SIGTERM: stopping; \d+ requests, [1-9]\d* certificates issued/);
  } catch (e) {
    await diagnostics(t, { 'dockerd (manager)': manager.process, 'dockerd (worker)': worker?.process, 'swarmguard ca serve': serve?.proc });
    throw e;
  }
});

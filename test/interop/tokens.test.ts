/**
 * Join tokens and unlock keys against a real dockerd (swarmkit spec §1, §6):
 * our digest equals the one in the daemon's tokens, our parser and verifier
 * accept them, the unlock key opens the real encrypted node key and its
 * raft-dek record, and a key re-encrypted by us is accepted by the daemon.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createJoinToken, parseJoinToken } from '../../src/tokens/join-token.js';
import { parseNodeKeyFile } from '../../src/tokens/node-key.js';
import { loadRootBundle } from '../../src/tokens/root-bundle.js';
import { parseUnlockKey } from '../../src/tokens/unlock-key.js';
import { loadNodeCertificate, verifyUnlockKey } from '../../src/tokens/unlock-verify.js';
import { verifyJoinToken } from '../../src/tokens/verify.js';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiRequest, startDockerd, startDockerdInNetns, type DockerdHandle } from './harness/dockerd.js';
import { findBinary, requireDockerd } from './harness/interop.js';
import { pidMatches, runCommand, startProcess, waitFor } from './harness/process.js';
import { readFileSync } from 'node:fs';
import { cliPath } from '../helpers/env.js';

/** Our CLI, as a user runs it, without blocking the event loop (the harness's after() hooks keep running). */
async function swarmguard(args: string[], input = '', state?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.SWARMGUARD_STATE;
  const r = await runCommand(process.execPath, [cliPath, ...(state ? ['--state', state] : []), ...args], { input, env });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

test('real autolocked swarm: tokens name the TrustRoot, the unlock key opens swarm-node.key and its raft-dek', async (t) => {
  if (!(await requireDockerd(t))) return;
  const daemon = await startDockerd();
  const swarm = await daemon.swarmInit({ extraArgs: ['--autolock'] });
  const info = (await daemon.api('GET', '/v1.41/swarm')).json<{ TLSInfo: { TrustRoot: string } }>();
  const rootFile = await readFile(daemon.certificates.rootCa);
  assert.equal(rootFile.toString('utf8'), info.TLSInfo.TrustRoot, 'the API TrustRoot is the file, byte for byte');
  const root = loadRootBundle(rootFile);
  for (const token of [swarm.workerToken, swarm.managerToken]) {
    const v = verifyJoinToken(token, root);
    assert.equal(v.match, true);
    assert.equal(v.layoutNote, undefined);
  }
  const ours = createJoinToken(rootFile);
  assert.equal(parseJoinToken(ours).digestPart, parseJoinToken(swarm.workerToken).digestPart);

  const unlockKey = (await daemon.docker(['swarm', 'unlock-key', '-q'], { check: true })).stdout.trim();
  const kek = parseUnlockKey(unlockKey);
  const file = parseNodeKeyFile(await readFile(daemon.certificates.nodeKey));
  assert.equal(file.format, 'encrypted-pkcs8');
  const cert = loadNodeCertificate(await readFile(daemon.certificates.nodeCert));
  const report = verifyUnlockKey(file, { kek, certificate: cert });
  t.diagnostic(JSON.stringify({ ...report, notes: report.notes }));
  assert.equal(report.status, 'opens');
  assert.equal(report.ok, true);
  assert.deepEqual(report.nodeKey.pbes2!.deviations, []);
  assert.equal(report.deks.find((d) => d.header === 'raft-dek')?.bytes, 32);
  assert.equal(report.certificate!.matchesKey, true);
  assert.equal(verifyUnlockKey(file, { kek: randomBytes(32) }).status, 'wrong-key');
});

test('real swarm CLI: token verify/inspect/rotate against the daemon; autolock off is reported', async (t) => {
  if (!(await requireDockerd(t))) return;
  const daemon = await startDockerd();
  const swarm = await daemon.swarmInit();
  const state = join(daemon.tmp, 'sg-state');
  const engine = `unix://${daemon.socket}`;
  const rootCa = daemon.certificates.rootCa;

  assert.equal((await swarmguard(['token', 'verify', '--ca', rootCa], swarm.workerToken)).code, 0);
  const created = await swarmguard(['token', 'create', '--ca', rootCa, '--role', 'worker']);
  assert.equal(created.stdout.split('-')[2], swarm.workerToken.split('-')[2], 'token create carries the real digest part');

  const inspect = await swarmguard(['--json', 'token', 'inspect', '--engine', engine], swarm.managerToken, state);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal((JSON.parse(inspect.stdout) as { swarm: { currentRole: string; rootMatch: boolean } }).swarm.currentRole, 'manager');

  const rotated = await swarmguard(['--json', 'token', 'rotate', '--engine', engine, '--role', 'worker'], '', state);
  assert.equal(rotated.code, 0, rotated.stderr);
  const doc = JSON.parse(rotated.stdout) as { previous: string; current: string; ages: { worker: { fingerprint: string }; manager: { knownBefore: boolean } } };
  const newWorker = (await daemon.docker(['swarm', 'join-token', '-q', 'worker'], { check: true })).stdout.trim();
  assert.notEqual(newWorker, swarm.workerToken);
  assert.equal(newWorker.split('-')[2], swarm.workerToken.split('-')[2], 'spec 1.6: the digest part does not change');
  const fresh = await swarmguard(['--json', 'token', 'inspect', '--engine', engine], newWorker, state);
  assert.equal(fresh.code, 0);
  assert.equal((JSON.parse(fresh.stdout) as { fingerprint: string }).fingerprint, doc.current);
  assert.equal((await swarmguard(['token', 'inspect', '--engine', engine], swarm.workerToken, state)).code, 1, 'the rotated-away token is stale');
  assert.equal((await daemon.docker(['swarm', 'join-token', '-q', 'manager'], { check: true })).stdout.trim(), swarm.managerToken);

  const off = await swarmguard(['--json', 'unlock-key', 'verify', '--node-key', daemon.certificates.nodeKey, '--node-cert', daemon.certificates.nodeCert]);
  assert.equal(off.code, 0, off.stderr);
  const r = JSON.parse(off.stdout) as { status: string; autolock: boolean; deks: Array<{ algorithm: string; bytes: number }>; certificate: { matchesKey: boolean } };
  assert.equal(r.status, 'autolock-off');
  assert.equal(r.autolock, false);
  assert.deepEqual(r.deks.map((d) => [d.algorithm, d.bytes]), [['none', 32]]);
  assert.equal(r.certificate.matchesKey, true);
  const rot = await swarmguard(['--json', 'unlock-key', 'rotate', '--engine', engine]);
  assert.equal((JSON.parse(rot.stdout) as { error: { code: string } }).error.code, 'ERR_UNLOCK_AUTOLOCK_OFF');
});

/** Start dockerd again on a stopped harness daemon's dirs, in a fresh network namespace (isolated daemons only). */
async function restartIsolated(old: DockerdHandle): Promise<{ socket: string; stop: () => Promise<void> }> {
  const dockerd = findBinary('dockerd')!;
  const unshare = findBinary('unshare')!;
  const ip = findBinary('ip')!;
  const args = [
    '--config-file', join(old.tmp, 'daemon.json'),
    '--data-root', old.dataRoot,
    '--exec-root', old.execRoot,
    '--pidfile', join(old.tmp, 'docker.pid'),
    '-H', `unix://${old.socket}`,
    '--containerd-namespace', `sgd-re-${randomBytes(3).toString('hex')}`,
    '--containerd-plugins-namespace', `sgd-re-${randomBytes(3).toString('hex')}-plugins`,
    '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none', '--userland-proxy=false', '--storage-driver=vfs',
  ];
  const containerdPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(old.execRoot, 'containerd', 'containerd.pid'), 'utf8').trim());
      return pid > 0 && pidMatches(pid, old.execRoot) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const proc = await startProcess({
    name: 'dockerd-restart',
    command: unshare,
    args: ['--mount', '--net', '--propagation', 'private', '--', '/bin/sh', '-c', `${ip} link set lo up && exec "$@"`, 'sgd-netns', dockerd, ...args],
    tmp: old.tmp,
    ready: { probe: async () => (await apiRequest(old.socket, 'GET', '/_ping', undefined, 2_000)).status === 200, timeoutMs: 30_000 },
    afterExit: async () => {
      const pid = containerdPid();
      if (pid !== undefined) {
        try {
          await waitFor(async () => !pidMatches(pid, old.execRoot), { timeoutMs: 5_000, intervalMs: 50, what: 'containerd to exit' });
        } catch {
          if (pidMatches(pid, old.execRoot)) process.kill(pid, 'SIGKILL');
        }
      }
    },
    afterExitSync: () => {
      const pid = containerdPid();
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    },
  });
  return { socket: old.socket, stop: async () => void (await proc.stop()) };
}

test('real daemon accepts a node key re-keyed by us: restart, old key refused, new key unlocks, node active', async (t) => {
  if (!(await requireDockerd(t))) return;
  const daemon = await startDockerdInNetns();
  await daemon.swarmInit({ extraArgs: ['--autolock'] });
  const oldKey = (await daemon.docker(['swarm', 'unlock-key', '-q'], { check: true })).stdout.trim();
  await daemon.stop();

  const oldFile = join(daemon.tmp, 'old.unlock');
  await writeFile(oldFile, oldKey + '\n', { mode: 0o600 });
  const nodeKey = daemon.certificates.nodeKey;
  const rekey = await swarmguard(['unlock-key', 'rekey', '--node-key', nodeKey, '--out', nodeKey, '--force', '--key-file', oldFile, '--generate']);
  assert.equal(rekey.code, 0, rekey.stderr);
  const newKey = rekey.stdout.trim();
  assert.match(newKey, /^SWMKEY-1-/);
  assert.ok(!rekey.stderr.includes(newKey) && !rekey.stderr.includes(oldKey));
  assert.equal((await swarmguard(['unlock-key', 'verify', '--node-key', nodeKey], newKey)).code, 0);

  const restarted = await restartIsolated(daemon);
  const info = async () => (await apiRequest(restarted.socket, 'GET', '/v1.41/info', undefined, 10_000)).json<{ Swarm: { LocalNodeState: string; ControlAvailable: boolean } }>().Swarm;
  await waitFor(async () => (await info()).LocalNodeState === 'locked', { timeoutMs: 30_000, intervalMs: 200, what: 'the restarted node to report locked' });
  const refused = await apiRequest(restarted.socket, 'POST', '/v1.41/swarm/unlock', { UnlockKey: oldKey }, 30_000);
  t.diagnostic(`old key: ${refused.status} ${refused.body.trim()}`);
  assert.notEqual(refused.status, 200, 'the old key no longer opens the re-keyed node key');
  const unlocked = await apiRequest(restarted.socket, 'POST', '/v1.41/swarm/unlock', { UnlockKey: newKey }, 30_000);
  assert.equal(unlocked.status, 200, unlocked.body);
  await waitFor(async () => {
    const s = await info();
    return s.LocalNodeState === 'active' && s.ControlAvailable;
  }, { timeoutMs: 60_000, intervalMs: 250, what: 'the unlocked node to become an active manager' });

  // Once unlocked, the manager converges its key on the cluster's own unlock key (kept in raft), the old one.
  let converged = false;
  try {
    await waitFor(async () => (await swarmguard(['unlock-key', 'verify', '--node-key', nodeKey], oldKey)).code === 0, { timeoutMs: 20_000, intervalMs: 500, what: 're-encryption under the cluster key' });
    converged = true;
  } catch {
    converged = false;
  }
  t.diagnostic(`after unlock the node key is re-encrypted under the cluster's unlock key: ${converged}`);
  assert.equal(converged, true, 'observed on 20.10: the manager rewrites its key under the KEK kept in raft (manager.updateKEK)');
  await restarted.stop();
});

test('a node joining with a token made by `token create` (right digest, wrong secret) fails on the secret, not on the CA', async (t) => {
  if (!(await requireDockerd(t))) return;
  const manager = await startDockerdInNetns();
  const init = await manager.swarmInit();
  const joiner = await startDockerd({ network: { shareWith: manager } });
  const forged = (await swarmguard(['token', 'create', '--ca', manager.certificates.rootCa, '--role', 'worker'])).stdout.trim();
  const addr = `${joiner.address}:2377`;
  const failed = await joiner.docker(['swarm', 'join', '--listen-addr', addr, '--advertise-addr', addr, '--token', forged, init.addr], { timeoutMs: 90_000 });
  t.diagnostic(`join with a forged secret: exit ${failed.code}: ${failed.stderr.trim()}`);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /valid join token is necessary/);
  assert.doesNotMatch(failed.stderr, /fingerprint/);

  const wrongRoot = `SWMTKN-1-${'1'.repeat(50)}-${forged.split('-')[3]}`;
  const failedCa = await joiner.docker(['swarm', 'join', '--listen-addr', addr, '--advertise-addr', addr, '--token', wrongRoot, init.addr], { timeoutMs: 90_000 });
  t.diagnostic(`join with a wrong digest: exit ${failedCa.code}: ${failedCa.stderr.trim()}`);
  assert.notEqual(failedCa.code, 0);
  assert.match(failedCa.stderr, /fingerprint/);

  const joined = await joiner.swarmJoin({ remoteAddr: init.addr, token: init.workerToken });
  assert.equal(joined.clusterId, init.clusterId);
});

test('broker against a real engine: a single-use scoped token yields the real worker token once, then it is rotated', async (t) => {
  if (!(await requireDockerd(t))) return;
  const { EngineClient } = await import('../../src/engine/client.js');
  const { FileStore } = await import('../../src/store/file-store.js');
  const { TokenBroker } = await import('../../src/tokens/scoped/broker.js');
  const { issueScopedToken, loadOrCreateIssuer } = await import('../../src/tokens/scoped/token.js');
  const { systemClock } = await import('../../src/core/clock.js');
  const daemon = await startDockerd();
  const swarm = await daemon.swarmInit();
  const store = new FileStore(join(daemon.tmp, 'sg-state'));
  const engine = new EngineClient({ url: `unix://${daemon.socket}` });
  const issuer = await loadOrCreateIssuer(store, new Date());
  const broker = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: systemClock, rotateGraceMs: 60_000 });
  const addr = await broker.listen(0);
  const { token } = await issueScopedToken(issuer, { role: 'worker', uses: 1, addr: '127.0.0.1', cluster: swarm.clusterId }, { now: new Date() });
  const url = `http://127.0.0.1:${addr.port}/v1/join-token`;
  const responses = await Promise.all([1, 2, 3].map(() => fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })));
  assert.deepEqual(responses.map((r) => r.status).sort(), [200, 410, 410]);
  const got = (await responses.find((r) => r.status === 200)!.json()) as { token: string };
  assert.equal(got.token, swarm.workerToken);
  await broker.close();
  engine.close();
  await store.close();
  const now = (await daemon.docker(['swarm', 'join-token', '-q', 'worker'], { check: true })).stdout.trim();
  assert.notEqual(now, swarm.workerToken, 'the handed-out token was rotated away');
  assert.equal((await daemon.docker(['swarm', 'join-token', '-q', 'manager'], { check: true })).stdout.trim(), swarm.managerToken);
});

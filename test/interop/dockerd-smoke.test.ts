/**
 * Proves the real-component harness: a private dockerd, a one-node swarm on a
 * loopback address, the node certificate on disk, a clean stop. Also two
 * daemons side by side (a manager and a worker of one swarm), which is what
 * the unique-loopback-address scheme in harness/dockerd.ts is for.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startDockerd, subjectField } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';
import { pidMatches } from './harness/process.js';

test('dockerd starts, inits a swarm on loopback and writes a manager certificate', async (t) => {
  if (!(await requireDockerd(t))) return;

  const daemon = await startDockerd();
  t.diagnostic(`dockerd ready in ${daemon.startMs} ms at ${daemon.socket}`);

  const ping = await daemon.api('GET', '/_ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.body, 'OK');

  const swarm = await daemon.swarmInit();
  t.diagnostic(`swarm init on ${swarm.addr} took ${swarm.elapsedMs} ms`);
  assert.match(swarm.nodeId, /^[a-z0-9]{25}$/);
  assert.match(swarm.workerToken, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);

  const nodes = await daemon.docker(['node', 'ls', '--format', '{{.ID}} {{.ManagerStatus}}'], { check: true });
  assert.equal(nodes.stdout.trim(), `${swarm.nodeId} Leader`);

  const info = await daemon.api('GET', '/v1.41/swarm');
  assert.equal(info.status, 200);
  assert.equal(info.json<{ ID: string }>().ID, swarm.clusterId);

  const pem = await readFile(daemon.certificates.nodeCert, 'utf8');
  assert.equal(subjectField(pem, 'OU'), 'swarm-manager');
  assert.equal(subjectField(pem, 'CN'), swarm.nodeId);
  assert.equal(subjectField(pem, 'O'), swarm.clusterId);
  assert.match(await readFile(daemon.certificates.rootCa, 'utf8'), /^-----BEGIN CERTIFICATE-----/);

  await daemon.swarmLeave();
  await daemon.stop();
  assert.equal(daemon.process.running(), false);
  assert.equal(pidMatches(daemon.pid, daemon.tmp), false, 'dockerd is gone');
});

test('two daemons on one machine: a worker joins a manager over loopback', async (t) => {
  if (!(await requireDockerd(t))) return;

  const [manager, worker] = await Promise.all([startDockerd(), startDockerd()]);
  assert.notEqual(manager.address, worker.address);

  const init = await manager.swarmInit();
  const joined = await worker.swarmJoin({ remoteAddr: init.addr, token: init.workerToken });
  t.diagnostic(`swarm join took ${joined.elapsedMs} ms`);
  assert.equal(joined.clusterId, init.clusterId);

  const pem = await readFile(worker.certificates.nodeCert, 'utf8');
  assert.equal(subjectField(pem, 'OU'), 'swarm-worker');
  assert.equal(subjectField(pem, 'CN'), joined.nodeId);

  const nodes = await manager.docker(['node', 'ls', '--format', '{{.ID}}'], { check: true });
  assert.deepEqual(nodes.stdout.trim().split('\n').sort(), [init.nodeId, joined.nodeId].sort());
  // Both stop in the after() hooks.
});

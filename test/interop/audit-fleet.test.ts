/**
 * Real dockerds: SW-05 probes the managers' swarm ports, fleet mode audits
 * two swarms at once (plus an unreachable URL), and the CIS 7.1 fixture: a
 * two-manager swarm, where counting "Leader" rows (docker-bench) gives 1 and
 * passes, while the even manager count must fail.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/env.js';
import { startDockerd } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';

interface Finding {
  rule: string;
  status: string;
  severity: string;
  target: { kind: string; id: string };
  message: string;
  scope?: { target: string; node?: string; swarmId?: string };
}

test('SW-05, fleet mode and the CIS 7.1 two-manager fixture on real daemons', async (t) => {
  if (!(await requireDockerd(t))) return;
  const [a, b, c] = await Promise.all([startDockerd(), startDockerd(), startDockerd()]);
  const sa = await a!.swarmInit();
  const sb = await b!.swarmInit();
  // the second manager of swarm A: its own loopback address on this namespace (gossip port 7946 is per IP)
  const sc = await c!.swarmJoin({ remoteAddr: sa.addr, token: sa.managerToken });
  const { dir, cleanup } = tempDir();
  try {
    // --- SW-05: the certificates both managers of A present on their swarm ports
    const out = path.join(dir, 'snap');
    const s = runCli(['audit', 'snapshot', '--out', out], { env: { DOCKER_HOST: a!.host } });
    assert.equal(s.code, 0, s.stderr);
    const probes = JSON.parse(readFileSync(path.join(out, 'tls.json'), 'utf8')) as Array<{ address: string; nodeId: string; cert?: { subject: { O: string; OU: string; CN: string }; notAfter: string; notBefore: string } }>;
    assert.deepEqual(probes.map((p) => p.address).sort(), [sa.addr, sc.addr].sort());
    for (const p of probes) {
      assert.ok(p.cert, `no certificate from ${p.address}`);
      assert.equal(p.cert.subject.CN, p.nodeId, 'CN is the node ID /nodes lists for that ManagerStatus.Addr');
      assert.equal(p.cert.subject.O, sa.clusterId);
      assert.equal(p.cert.subject.OU, 'swarm-manager');
      const days = (Date.parse(p.cert.notAfter) - Date.now()) / 86_400_000;
      // NotAfter = now rounded to the minute + 90 d (swarmkit spec 1.4): within a minute of 90 days
      assert.ok(Math.abs(days - 90) < 2 / 1440, `default NodeCertExpiry is 90 days, got ${days}`);
    }
    assert.deepEqual(probes.map((p) => p.nodeId).sort(), [sa.nodeId, sc.nodeId].sort());

    const r = runCli(['--json', 'audit'], { env: { DOCKER_HOST: a!.host } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: Finding[] };
    const sw05 = doc.findings.filter((f) => f.rule === 'sw-05' && f.target.kind === 'node');
    // the audited node's own swarm-node.crt (host facts) is the other half of SW-05
    assert.deepEqual(doc.findings.filter((f) => f.rule === 'sw-05' && f.target.kind === 'file').map((f) => f.status), ['pass']);
    assert.deepEqual(sw05.map((f) => [f.target.id, f.status]).sort(), [[sa.nodeId, 'pass'], [sc.nodeId, 'pass']].sort());

    // --- CIS 7.1: docker-bench's `docker node ls | grep -c Leader` says 1 (its PASS); two managers must fail
    const ls = await a!.docker(['node', 'ls'], { check: true });
    assert.equal(ls.stdout.split('\n').filter((l) => l.includes('Leader')).length, 1);
    const f71 = doc.findings.filter((f) => f.rule === 'cis-7.1');
    assert.deepEqual(f71.map((f) => f.status), ['fail']);
    assert.match(f71[0]!.message, /2 managers/);

    // --- fleet: swarm A (with both node engines listed), swarm B, and an engine that is not there
    const fleet = path.join(dir, 'fleet.json');
    const gone = `unix://${path.join(dir, 'nothing.sock')}`;
    writeFileSync(fleet, JSON.stringify({ targets: [{ name: 'A', engine: a!.host, nodes: [a!.host, c!.host, `unix://${path.join(dir, 'nonode.sock')}`] }, { name: 'B', engine: b!.host }, { name: 'gone', engine: gone }] }));
    const fr = runCli(['--json', 'audit', '--fleet', fleet]);
    assert.equal(fr.code, 0, fr.stderr);
    assert.doesNotMatch(fr.stderr, /\x1b|\r/, 'no escape codes when stderr is not a terminal');
    assert.match(fr.stderr, /audited 6\/6/);
    const fd = JSON.parse(fr.stdout) as { targets: Array<{ name: string; status: string; swarmId?: string; nodes: Array<{ engine: string; status: string; nodeId?: string }> }>; findings: Finding[]; summary: { unreachableTargets: number; unreachableNodes: number } };
    assert.deepEqual(fd.targets.map((x) => [x.name, x.status, x.swarmId ?? null]), [['A', 'audited', sa.clusterId], ['B', 'audited', sb.clusterId], ['gone', 'unreachable', null]]);
    assert.deepEqual(fd.targets[0]!.nodes.map((n) => [n.status, n.nodeId ?? null]), [['audited', sa.nodeId], ['audited', sc.nodeId], ['unreachable', null]]);
    assert.equal(fd.summary.unreachableTargets, 1);
    assert.equal(fd.summary.unreachableNodes, 1);
    assert.deepEqual(fd.findings.filter((f) => f.rule === 'cis-7.1').map((f) => [f.scope!.target, f.status]), [['A', 'fail'], ['B', 'fail']]);
    assert.ok(fd.findings.some((f) => f.scope!.node === c!.host && f.target.kind === 'engine' && f.status !== 'unknown'), 'node C audited through its own /info');
    assert.ok(!fd.findings.some((f) => f.scope!.target === 'gone' && f.status === 'pass'));
    // unreachable parts fail the run under --fail-on; a fleet where nothing answers is exit 3
    assert.equal(runCli(['audit', '--fleet', fleet, '--fail-on', 'critical']).code, 1);
    const only = path.join(dir, 'gone.txt');
    writeFileSync(only, `${gone}\n`);
    assert.equal(runCli(['audit', '--fleet', only]).code, 3);
    assert.equal(runCli(['audit', '--fleet', path.join(dir, 'missing.txt')]).code, 2);
  } finally {
    cleanup();
    await c!.swarmLeave({ force: true }).catch(() => undefined);
    await Promise.all([a!.stop(), b!.stop(), c!.stop()]);
  }
});

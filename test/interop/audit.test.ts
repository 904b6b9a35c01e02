/**
 * The audit against a real dockerd: a one-node swarm (with and without
 * --autolock), an unencrypted and an encrypted overlay, and a service with a
 * docker.sock bind mount, published port 22 and an unpinned image. The task
 * may never run; the spec is what is audited. Findings are checked rule by rule.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/env.js';
import { startDockerd } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';

interface Doc {
  findings: Array<{ rule: string; status: string; severity: string; target: { kind: string; id: string; name?: string }; message: string }>;
  summary: { fail: number };
}

function statusOf(doc: Doc, rule: string, name?: string): string[] {
  return doc.findings.filter((f) => f.rule === rule && (name === undefined || (f.target.name ?? f.target.id) === name)).map((f) => f.status);
}

for (const autolock of [false, true]) {
  test(`audit of a real swarm${autolock ? ' with --autolock' : ''}`, async (t) => {
    if (!(await requireDockerd(t))) return;
    const daemon = await startDockerd();
    const swarm = await daemon.swarmInit(autolock ? { extraArgs: ['--autolock'] } : {});
    await daemon.docker(['network', 'create', '-d', 'overlay', 'plain-net'], { check: true });
    await daemon.docker(['network', 'create', '-d', 'overlay', '--opt', 'encrypted', 'secure-net'], { check: true });
    await daemon.docker(
      ['service', 'create', '--detach', '--no-resolve-image', '--name', 'x', '--mount', 'type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock', '-p', '22:22', 'busybox:latest', 'sleep', '1d'],
      { check: true },
    );

    const state = tempDir();
    t.after(state.cleanup);
    // a live audit records rotation history: keep it out of the user's home
    const env = { DOCKER_HOST: daemon.host, SWARMGUARD_STATE: state.dir };
    const r = runCli(['--json', 'audit'], { env });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Doc;
    assert.deepEqual(statusOf(doc, 'cis-7.5'), [autolock ? 'pass' : 'fail'], 'autolock');
    assert.deepEqual(statusOf(doc, 'cis-7.3', 'plain-net'), ['fail']);
    assert.deepEqual(statusOf(doc, 'cis-7.3', 'secure-net'), ['pass']);
    assert.deepEqual(statusOf(doc, 'cis-7.3', 'ingress'), ['fail'], 'ingress carries the published port 22');
    assert.deepEqual(statusOf(doc, 'cis-5.32', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'sw-23', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'cis-5.8', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'sw-22', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'cis-5.28', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'cis-5.11', 'x'), ['fail']);
    assert.deepEqual(statusOf(doc, 'cis-7.1'), ['fail'], 'one manager: no HA');
    assert.deepEqual(statusOf(doc, 'sw-02'), ['pass']);
    assert.deepEqual(statusOf(doc, 'cis-7.7'), ['fail'], 'default 90-day node certificates exceed the 30-day policy');
    assert.deepEqual(statusOf(doc, 'cis-7.8'), ['pass'], 'fresh 20-year root');
    assert.deepEqual(statusOf(doc, 'cis-2.16'), ['pass'], 'host facts: the harness runs dockerd with --userland-proxy=false');
    assert.doesNotMatch(r.stdout, new RegExp(swarm.workerToken.slice(-25)));

    // --fail-on critical: the docker.sock mount is critical
    assert.equal(runCli(['audit', '--fail-on', 'critical'], { env }).code, 1);

    // the same findings from a snapshot, and the snapshot holds no join token
    const { dir, cleanup } = tempDir();
    try {
      const out = path.join(dir, 'snap');
      const s = runCli(['audit', 'snapshot', '--out', out], { env });
      assert.equal(s.code, 0, s.stderr);
      assert.equal(statSync(path.join(out, 'swarm.json')).mode & 0o777, 0o600);
      const { readFileSync } = await import('node:fs');
      const swarmJson = readFileSync(path.join(out, 'swarm.json'), 'utf8');
      assert.doesNotMatch(swarmJson, /SWMTKN/);
      assert.match(swarmJson, /JoinTokenFingerprints/);
      const fromSnap = JSON.parse(runCli(['--json', 'audit', '--snapshot', out], { env: { SWARMGUARD_STATE: state.dir } }).stdout) as Doc;
      const key = (d: Doc) => d.findings.map((f) => `${f.rule} ${f.target.id} ${f.status}`).sort();
      assert.deepEqual(key(fromSnap), key(doc));
    } finally {
      cleanup();
    }
    await daemon.swarmLeave({ force: true });
    await daemon.stop();
  });
}

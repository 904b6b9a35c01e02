/**
 * The SW-xx and CIS section-5 service rules against a real dockerd (20.10,
 * API 1.41): a one-node swarm with --autolock and services built to pass or
 * fail each check. Images are never pulled (--no-resolve-image, names that
 * need not exist): tasks may fail to start, the specs are what is audited.
 * Then the rotation history: a worker join-token rotation and an unlock-key
 * rotation reset SW-10 / SW-12 ages (clock injected with --at).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../src/audit/types.js';
import { runCli, tempDir } from '../helpers/env.js';
import { startDockerd } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';

type Doc = { findings: Finding[] };

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

test('SW and CIS-5 service rules on a real swarm, and rotation ages from the history', async (t) => {
  if (!(await requireDockerd(t))) return;
  const { dir, cleanup } = tempDir();
  const daemon = await startDockerd();
  try {
    const swarm = await daemon.swarmInit({ extraArgs: ['--autolock'] });
    const d = (args: string[]) => daemon.docker(args, { check: true });
    const create = (name: string, args: string[], image = 'sg-absent/app:1') => d(['service', 'create', '--detach', '--no-resolve-image', '--name', name, ...args, image, 'sleep', '1d']);
    await d(['network', 'create', '-d', 'overlay', 'used-net']);
    await d(['network', 'create', '-d', 'overlay', 'idle-net']);
    await daemon.docker(['secret', 'create', 'wide-secret', '-'], { input: 'a', check: true });
    await daemon.docker(['secret', 'create', 'tight-secret', '-'], { input: 'b', check: true });
    await daemon.docker(['secret', 'create', 'spare-secret', '-'], { input: 'c', check: true });

    await create('caps', ['--cap-add', 'ALL', '--mount', 'type=bind,src=/dev,dst=/dev']);
    await create('etcbind', ['--mount', 'type=bind,src=/etc,dst=/host-etc', '--constraint', 'node.role==manager', '--publish', '8080:80']);
    await create('englabel', ['--constraint', 'engine.labels.zone==a']);
    await create('wide', ['--secret', 'source=wide-secret,mode=0777']);
    await create('agent', ['--mode', 'global', '--mount', 'type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock']);
    await create('leaky', ['--env', `JOIN=${swarm.workerToken}`]);
    await create(
      'hardened',
      ['--secret', 'source=tight-secret,mode=0400', '--read-only', '--limit-memory', '64m', '--limit-cpu', '0.5', '--limit-pids', '100', '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', '--user', '1000', '--network', 'used-net', '--ulimit', 'nofile=1024:2048', '--constraint', 'node.role==worker'],
      `sg-absent/app:1@${DIGEST}`,
    );

    const env = { DOCKER_HOST: daemon.host, SWARMGUARD_STATE: path.join(dir, 'state') };
    const T0 = Date.now();
    const iso = (days: number) => new Date(T0 + days * 86_400_000).toISOString();
    const audit = (days: number): Doc => {
      const r = runCli(['--json', 'audit', '--at', iso(days)], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(swarm.workerToken.slice(-25)) && !r.stdout.includes(swarm.managerToken.slice(-25)), 'no join token in the report');
      assert.doesNotMatch(r.stdout, /SWMKEY-1-/);
      return JSON.parse(r.stdout) as Doc;
    };
    const f = (doc: Doc, rule: string, name?: string): Finding[] => doc.findings.filter((x) => x.rule === rule && (name === undefined || (x.target.name ?? x.target.id) === name));
    const st = (doc: Doc, rule: string, name?: string) => f(doc, rule, name).map((x) => x.status);
    const sev = (doc: Doc, rule: string, name?: string) => f(doc, rule, name).map((x) => x.severity);

    const doc = audit(0);
    // cluster
    assert.deepEqual(st(doc, 'sw-01'), ['fail'], 'one manager');
    assert.deepEqual(st(doc, 'sw-04'), ['pass'], 'single node');
    assert.deepEqual(st(doc, 'sw-06'), ['fail'], 'default 90-day node certificates');
    assert.deepEqual(st(doc, 'sw-07'), ['pass']);
    assert.deepEqual(st(doc, 'sw-08'), ['pass', 'pass']);
    assert.deepEqual(st(doc, 'sw-09'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-09'), ['info']);
    assert.deepEqual(st(doc, 'sw-11'), ['pass'], 'autolock on');
    const version = (await daemon.api('GET', '/version')).json<{ Version: string }>().Version;
    assert.deepEqual(f(doc, 'sw-15').map((x) => x.status), [version.startsWith('20.10.') ? 'fail' : 'pass'], version);
    assert.deepEqual(st(doc, 'sw-16'), ['pass']);
    // overlays: used and unencrypted is the rule's severity, idle is low, ingress carries 8080
    assert.deepEqual(st(doc, 'sw-13', 'used-net'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-13', 'used-net'), ['high']);
    assert.deepEqual(sev(doc, 'sw-13', 'idle-net'), ['low']);
    assert.deepEqual(sev(doc, 'sw-13', 'ingress'), ['medium']);
    // services
    assert.deepEqual(st(doc, 'sw-24', 'caps'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-24', 'caps'), ['critical']);
    assert.deepEqual(st(doc, 'sw-24', 'hardened'), ['pass']);
    assert.deepEqual(sev(doc, 'sw-24', 'wide'), ['low'], 'no --cap-drop ALL');
    assert.deepEqual(st(doc, 'sw-25', 'caps'), ['fail']);
    assert.deepEqual(st(doc, 'cis-5.5', 'caps'), ['fail']);
    assert.deepEqual(st(doc, 'sw-25', 'etcbind'), ['pass']);
    assert.deepEqual(st(doc, 'sw-26', 'etcbind'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-26', 'etcbind'), ['high'], 'read-write');
    assert.deepEqual(st(doc, 'sw-26', 'hardened'), ['pass']);
    assert.deepEqual(st(doc, 'sw-31', 'etcbind'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-31', 'etcbind'), ['medium']);
    assert.deepEqual(st(doc, 'sw-31', 'agent'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-31', 'agent'), ['critical'], 'global with docker.sock');
    assert.deepEqual(st(doc, 'sw-31', 'hardened'), ['pass']);
    assert.deepEqual(st(doc, 'sw-32', 'englabel'), ['fail']);
    assert.deepEqual(st(doc, 'sw-31', 'englabel'), ['pass']);
    assert.deepEqual(st(doc, 'sw-19', 'wide'), ['fail']);
    assert.match(f(doc, 'sw-19', 'wide')[0]!.message, /0777/);
    assert.deepEqual(st(doc, 'sw-19', 'hardened'), ['pass']);
    assert.deepEqual(st(doc, 'sw-19', 'spare-secret'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-19', 'spare-secret'), ['info']);
    assert.deepEqual(st(doc, 'sw-20', 'caps'), ['fail']);
    assert.deepEqual(st(doc, 'sw-20', 'hardened'), ['pass']);
    assert.deepEqual(st(doc, 'sw-21', 'caps'), ['unknown'], 'no registry allow-list');
    assert.deepEqual(st(doc, 'sw-29', 'hardened'), ['pass']);
    assert.deepEqual(sev(doc, 'sw-29', 'caps'), ['medium']);
    assert.deepEqual(st(doc, 'sw-30', 'caps'), ['pass']);
    assert.deepEqual(st(doc, 'cis-5.9', 'etcbind'), ['fail']);
    assert.deepEqual(st(doc, 'cis-5.14', 'etcbind'), ['fail']);
    assert.deepEqual(st(doc, 'cis-5.14', 'caps'), ['pass']);
    assert.deepEqual(st(doc, 'cis-5.19', 'hardened'), ['pass']);
    assert.deepEqual(st(doc, 'cis-5.19', 'caps'), ['fail']);
    assert.deepEqual(st(doc, 'cis-5.3', 'caps'), ['fail'], 'no SELinux context');
    // API 1.41 cannot carry seccomp/AppArmor/no-new-privileges for services: unknown (info), never pass
    for (const rule of ['sw-28', 'cis-5.2', 'cis-5.22', 'cis-5.26']) {
      assert.deepEqual(st(doc, rule, 'hardened'), ['unknown'], rule);
      assert.deepEqual(sev(doc, rule, 'hardened'), ['info'], rule);
    }
    // SW-10: the worker token in an env is critical; ages unknown at first sight
    assert.deepEqual(st(doc, 'sw-10', 'leaky'), ['fail']);
    assert.deepEqual(sev(doc, 'sw-10', 'leaky'), ['critical']);
    assert.deepEqual(st(doc, 'sw-10', 'join-token-worker'), ['unknown']);
    assert.deepEqual(st(doc, 'sw-12', 'unlock-key'), ['unknown']);

    // the history holds fingerprints only, 0600
    const hdir = path.join(dir, 'state', 'audit', 'history');
    const [hfile] = readdirSync(hdir);
    assert.equal(statSync(path.join(hdir, hfile!)).mode & 0o777, 0o600);
    const htext = readFileSync(path.join(hdir, hfile!), 'utf8');
    assert.ok(!htext.includes(swarm.workerToken.slice(-25)) && !htext.includes('SWMKEY') && !htext.includes('SWMTKN'));

    // 100 days on, nothing rotated: the lower bound alone exceeds the limits
    let later = audit(100);
    assert.deepEqual(st(later, 'sw-10', 'join-token-worker'), ['fail']);
    assert.deepEqual(sev(later, 'sw-10', 'join-token-worker'), ['medium']);
    assert.deepEqual(sev(later, 'sw-10', 'join-token-manager'), ['high']);
    assert.deepEqual(st(later, 'sw-12', 'unlock-key'), ['fail']);
    assert.deepEqual(st(later, 'cis-7.6', 'unlock-key'), ['fail']);

    // rotate the worker token and the unlock key: ages restart
    await d(['swarm', 'join-token', '--rotate', '-q', 'worker']);
    await d(['swarm', 'unlock-key', '--rotate', '-q']);
    later = audit(101);
    assert.deepEqual(st(later, 'sw-10', 'join-token-worker'), ['pass'], f(later, 'sw-10', 'join-token-worker')[0]!.message);
    assert.deepEqual(st(later, 'sw-10', 'join-token-manager'), ['fail'], 'not rotated');
    assert.deepEqual(st(later, 'sw-12', 'unlock-key'), ['pass']);
    // the old worker token in the env is no longer current: low, not critical
    assert.deepEqual(sev(later, 'sw-10', 'leaky'), ['low']);
    later = audit(200);
    assert.deepEqual(st(later, 'sw-10', 'join-token-worker'), ['fail'], '99 days after the rotation');

    // a snapshot carries the history; without it the ages are unknown
    const out = path.join(dir, 'snap');
    const s = runCli(['audit', 'snapshot', '--out', out, '--at', iso(201)], { env });
    assert.equal(s.code, 0, s.stderr);
    assert.doesNotMatch(readFileSync(path.join(out, 'swarm.json'), 'utf8'), /SWMKEY|SWMTKN/);
    const snapDoc = JSON.parse(runCli(['--json', 'audit', '--snapshot', out, '--at', iso(201)], { env: { SWARMGUARD_STATE: path.join(dir, 'other') } }).stdout) as Doc;
    assert.deepEqual(st(snapDoc, 'sw-10', 'join-token-worker'), ['fail']);
    const { rmSync } = await import('node:fs');
    rmSync(path.join(out, 'history.json'));
    const bare = JSON.parse(runCli(['--json', 'audit', '--snapshot', out, '--at', iso(201)]).stdout) as Doc;
    assert.deepEqual(st(bare, 'sw-10', 'join-token-worker'), ['unknown']);
    assert.deepEqual(st(bare, 'sw-12', 'unlock-key'), ['unknown']);
    // --no-history: unknown, and nothing recorded
    const nh = JSON.parse(runCli(['--json', 'audit', '--no-history'], { env: { DOCKER_HOST: daemon.host, SWARMGUARD_STATE: path.join(dir, 'nohist') } }).stdout) as Doc;
    assert.deepEqual(st(nh, 'sw-10', 'join-token-worker'), ['unknown']);
    assert.throws(() => readdirSync(path.join(dir, 'nohist')));
    await daemon.swarmLeave({ force: true });
  } finally {
    await daemon.stop();
    cleanup();
  }
});

/**
 * Host facts against real dockerds, rule by rule: a daemon.json given with
 * --config-file (mode 0606, log-level debug, cgroup-parent, ...), the
 * wrong-process trap (two dockerds: we read the audited one's own flags), and
 * real swarms with and without autolock (control.sock, node certificate, key
 * encryption, 2.15 not auto-passed, 7.2 on a wildcard listen address).
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../src/audit/types.js';
import { runCli, tempDir } from '../helpers/env.js';
import { startDockerd, type DockerdHandle } from './harness/dockerd.js';
import { checks, findBinary, requireDockerd, requireTool } from './harness/interop.js';
import { freePort, makeTempDir, runCommand } from './harness/process.js';

type Doc = { findings: Finding[] };

function audit(d: DockerdHandle, extra: string[] = []): Doc {
  const r = runCli(['--json', 'audit', ...extra], { env: { DOCKER_HOST: d.host } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Doc;
}
const status = (doc: Doc, rule: string): string[] => doc.findings.filter((f) => f.rule === rule).map((f) => f.status);
const find = (doc: Doc, rule: string): Finding => {
  const f = doc.findings.find((x) => x.rule === rule);
  assert.ok(f, `no finding for ${rule}`);
  return f;
};

test('a dockerd with its own daemon.json (--config-file, mode 0606): findings match what was set, rule by rule', async (t) => {
  if (!(await requireDockerd(t))) return;
  const tmp = await makeTempDir();
  const cfg = path.join(tmp, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      'log-level': 'debug',
      'no-new-privileges': true,
      'cgroup-parent': '/sg-custom',
      'default-ulimits': { nofile: { Name: 'nofile', Hard: 65536, Soft: 65536 } },
      'log-opts': { 'max-size': '10m' },
    }),
  );
  chmodSync(cfg, 0o606);
  // the harness gives --config-file and --userland-proxy=false; a later --config-file wins (pflag), so ours is read
  const d = await startDockerd({ tmp, extraArgs: ['--config-file', cfg] });
  const doc = audit(d);
  assert.deepEqual(status(doc, 'cis-2.3'), ['fail'], 'log-level debug in daemon.json (the API shows Debug=false)');
  assert.match(find(doc, 'cis-2.3').message, /log-level is "debug" \(daemon\.json\)/);
  assert.deepEqual(status(doc, 'cis-2.4'), ['fail'], '--iptables=false on the command line');
  assert.match(find(doc, 'cis-2.4').message, /command line --iptables/);
  assert.deepEqual(status(doc, 'cis-2.8'), ['pass']);
  assert.deepEqual(status(doc, 'cis-2.10'), ['fail'], 'cgroup-parent in daemon.json, which docker-bench cannot see');
  assert.deepEqual(status(doc, 'cis-2.11'), ['pass']);
  assert.deepEqual(status(doc, 'cis-2.14'), ['pass']);
  assert.deepEqual(status(doc, 'cis-2.16'), ['pass'], '--userland-proxy=false');
  assert.deepEqual(status(doc, 'cis-2.15'), ['fail'], 'live-restore is off');
  assert.deepEqual(status(doc, 'cis-3.17'), ['pass']);
  assert.deepEqual(status(doc, 'cis-3.18'), ['fail'], '0606 is world-writable; docker-bench passes it as 606 <= 644');
  assert.equal(find(doc, 'cis-3.18').target.id, cfg, 'the real --config-file, not /etc/docker/daemon.json');
  assert.deepEqual(status(doc, 'cis-3.15'), ['pass']);
  assert.deepEqual(status(doc, 'cis-3.16'), ['pass']);
  assert.equal(find(doc, 'cis-3.16').target.id, d.socket, 'the -H unix:// socket, not /var/run/docker.sock');
  assert.ok(doc.findings.some((f) => f.rule === 'cis-3.24' && f.target.id === path.join(d.execRoot, 'containerd', 'containerd.sock') && f.status === 'pass'));
  assert.deepEqual(status(doc, 'cis-3.14'), ['pass'], 'no TLS key configured');
  assert.deepEqual(status(doc, 'cis-7.2'), ['pass'], 'not a swarm node');
  assert.deepEqual(status(doc, 'sw-34'), ['pass']);

  // --no-host: the same rules are unknown, never pass
  const remote = audit(d, ['--no-host']);
  for (const rule of ['cis-2.4', 'cis-2.10', 'cis-2.14', 'cis-2.16', 'cis-3.18', 'sw-34']) assert.deepEqual(status(remote, rule), ['unknown'], rule);
  assert.match(find(remote, 'cis-2.16').message, /--no-host/);

  // the snapshot keeps host.json (0600); auditing it gives the same findings
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const out = path.join(dir, 'snap');
  const s = runCli(['audit', 'snapshot', '--out', out], { env: { DOCKER_HOST: d.host } });
  assert.equal(s.code, 0, s.stderr);
  assert.equal(statSync(path.join(out, 'host.json')).mode & 0o777, 0o600);
  const fromSnap = JSON.parse(runCli(['--json', 'audit', '--snapshot', out]).stdout) as Doc;
  const key = (x: Doc) => x.findings.map((f) => `${f.rule} ${f.target.id} ${f.status}`).sort();
  assert.deepEqual(key(fromSnap), key(doc));

  // `audit snapshot --no-host` (a flag the parent `audit` also declares) writes no host.json
  const out2 = path.join(dir, 'snap2');
  const s2 = runCli(['audit', 'snapshot', '--no-host', '--out', out2], { env: { DOCKER_HOST: d.host } });
  assert.equal(s2.code, 0, s2.stderr);
  assert.throws(() => statSync(path.join(out2, 'host.json')), /ENOENT/);
  assert.match(readFileSync(path.join(out2, 'snapshot.json'), 'utf8'), /--no-host/);

  // an explicit --config-file that is malformed: exit 2 naming the file and the key
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, '{"icc": "no"}');
  const b = runCli(['audit', '--config-file', bad], { env: { DOCKER_HOST: d.host } });
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /bad\.json: "icc" must be a boolean/);
  await d.stop();
});

test('two dockerds (docker-bench\'s pgrep -f -n trap): the audited socket\'s own daemon is read, not the newest', async (t) => {
  if (!(await requireDockerd(t))) return;
  const older = await startDockerd();
  const newer = await startDockerd({ extraArgs: ['--no-new-privileges', '--debug'] });
  const a = audit(older);
  assert.deepEqual(status(a, 'cis-2.14'), ['fail'], 'the older daemon has no --no-new-privileges');
  assert.deepEqual(status(a, 'cis-2.3'), ['pass']);
  assert.match(find(a, 'cis-2.3').message, /dockerd's default/);
  const b = audit(newer);
  assert.deepEqual(status(b, 'cis-2.14'), ['pass']);
  assert.deepEqual(status(b, 'cis-2.3'), ['fail']);
  assert.match(find(b, 'cis-2.3').message, /--debug/);
  // the right pidfile agrees; the other daemon's pidfile is refused (exit 2), not silently used
  assert.deepEqual(status(audit(older, ['--pidfile', path.join(older.tmp, 'docker.pid')]), 'cis-2.14'), ['fail']);
  const wrong = runCli(['audit', '--pidfile', path.join(newer.tmp, 'docker.pid')], { env: { DOCKER_HOST: older.host } });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, new RegExp(`PID ${newer.pid}, but the audited socket .* belongs to PID ${older.pid}`));
  await newer.stop();
  await older.stop();
});

test('TLS files from flags and daemon.json: 3.9-3.14 check the files the daemon really uses', async (t) => {
  if (!(await requireDockerd(t)) || !(await requireTool(t, 'openssl', checks.openssl))) return;
  const tmp = await makeTempDir();
  const [ca, cert, key, cfg] = ['ca.pem', 'cert.pem', 'key.pem', 'cfg.json'].map((f) => path.join(tmp, f)) as [string, string, string, string];
  const gen = await runCommand(findBinary('openssl')!, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-subj', '/CN=127.0.0.1', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  writeFileSync(ca, readFileSync(cert));
  chmodSync(ca, 0o644); // too open for a CA file (want 0444 or stricter)
  chmodSync(cert, 0o444);
  chmodSync(key, 0o600); // CIS wants exactly 0400
  writeFileSync(cfg, JSON.stringify({ tlskey: key }));
  const port = await freePort('127.0.0.1');
  const d = await startDockerd({ tmp, extraArgs: ['--config-file', cfg, '--tlsverify', '--tlscacert', ca, '--tlscert', cert, '-H', `tcp://127.0.0.1:${port}`] });
  const doc = audit(d);
  const at = (rule: string) => doc.findings.filter((f) => f.rule === rule).map((f) => `${f.target.id}:${f.status}`);
  assert.deepEqual(at('cis-3.9'), [`${ca}:pass`]);
  assert.deepEqual(at('cis-3.10'), [`${ca}:fail`]);
  assert.deepEqual(at('cis-3.12'), [`${cert}:pass`]);
  assert.deepEqual(at('cis-3.13'), [`${key}:pass`], 'tlskey from daemon.json');
  assert.deepEqual(at('cis-3.14'), [`${key}:fail`]);
  assert.match(find(doc, 'cis-3.14').message, /mode 0600 is not 0400/);
  assert.deepEqual(status(doc, 'cis-2.7'), ['pass'], 'TCP with client verification');
  assert.deepEqual(status(doc, 'cis-3.16'), ['pass'], 'the unix socket; the tcp:// host is not a file');
  await d.stop();
});

for (const autolock of [false, true]) {
  test(`swarm state on a real swarm${autolock ? ' with --autolock, listening on 0.0.0.0 in its own netns' : ''}`, async (t) => {
    if (!(await requireDockerd(t))) return;
    const d = await startDockerd(autolock ? { network: 'isolated' } : {});
    if (autolock) await d.docker(['swarm', 'init', '--autolock', '--listen-addr', '0.0.0.0:2377', '--advertise-addr', '127.0.0.1:2377'], { check: true });
    else await d.swarmInit();
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const out = path.join(dir, 'snap');
    const s = runCli(['audit', 'snapshot', '--out', out], { env: { DOCKER_HOST: d.host } });
    assert.equal(s.code, 0, s.stderr);
    const hostJson = readFileSync(path.join(out, 'host.json'), 'utf8');
    const h = JSON.parse(hostJson) as {
      swarm: { controlSock: { mode: number; uid: number; type: string }; dir: { mode: number }; nodeCert: { notAfter: string; subject: { OU: string } }; nodeKey: { encrypted: boolean; pemType: string; kekVersion?: string; raftDekAlgorithm?: number } };
      listening: Array<{ proto: string; address: string; port: number; daemon: boolean }>;
    };
    assert.equal(h.swarm.controlSock.type, 'socket');
    assert.equal(h.swarm.controlSock.mode & 0o022, 0, 'control.sock is not group/world writable');
    assert.equal(h.swarm.dir.mode, 0o700);
    assert.equal(h.swarm.nodeCert.subject.OU, 'swarm-manager');
    const left = (Date.parse(h.swarm.nodeCert.notAfter) - Date.now()) / 86_400_000;
    assert.ok(left > 80 && left <= 91, `default 90-day node certificate, ${left} days left`);
    assert.equal(h.swarm.nodeKey.encrypted, autolock);
    assert.equal(h.swarm.nodeKey.pemType, autolock ? 'ENCRYPTED PRIVATE KEY' : 'PRIVATE KEY');
    assert.equal(h.swarm.nodeKey.raftDekAlgorithm, autolock ? 1 : 0, 'raft-dek record: secretbox with autolock, NONE without');
    // nothing of the key file's body or headers is in the snapshot
    const keyPem = readFileSync(d.certificates.nodeKey, 'utf8');
    for (const line of keyPem.split('\n').filter((l) => l.length > 20)) assert.ok(!hostJson.includes(line.replace(/^raft-dek: /, '').slice(0, 40)), 'key material leaked');

    const doc = JSON.parse(runCli(['--json', 'audit', '--snapshot', out]).stdout) as Doc;
    assert.deepEqual(status(doc, 'cis-2.15'), ['fail'], 'swarm mode does not make live-restore pass (docker-bench auto-passes it)');
    assert.deepEqual(status(doc, 'sw-34').filter((x) => x !== 'pass'), [], JSON.stringify(doc.findings.filter((f) => f.rule === 'sw-34')));
    assert.match(doc.findings.filter((f) => f.rule === 'sw-34').map((f) => f.message).join('\n'), autolock ? /autolock is on and the node key is encrypted/ : /autolock is off/);
    // SW-05: the node's own swarm-node.crt (a file target) next to the manager's TLS probe, both current
    assert.deepEqual(doc.findings.filter((f) => f.rule === 'sw-05' && f.target.kind === 'file').map((f) => f.status), ['pass']);
    const mgmt = h.listening.filter((l) => l.proto.startsWith('tcp') && l.daemon && l.port !== 7946);
    assert.equal(mgmt.length, 1, JSON.stringify(h.listening));
    if (autolock) {
      // Go listens on [::] (dual stack) for 0.0.0.0
      assert.deepEqual(mgmt.map((l) => l.port), [2377]);
      assert.ok(['0.0.0.0', '::'].includes(mgmt[0]!.address), mgmt[0]!.address);
      const failed = doc.findings.filter((f) => f.rule === 'cis-7.2' && f.status === 'fail').map((f) => f.target.id);
      assert.ok(failed.some((id) => /^tcp\/(0\.0\.0\.0|\[::\]):2377$/.test(id)), failed.join(' '));
      assert.ok(failed.some((id) => /^tcp\/(0\.0\.0\.0|\[::\]):7946$/.test(id)), failed.join(' '));
    } else {
      assert.equal(mgmt[0]!.address, d.address, 'bound to the harness loopback address, on a port that is not 2377');
      assert.deepEqual(status(doc, 'cis-7.2').filter((x) => x !== 'pass'), []);
      assert.ok(status(doc, 'cis-7.2').length >= 3, 'management port and gossip tcp+udp');
    }
    await d.swarmLeave({ force: true });
    await d.stop();
  });
}

/**
 * Host collectors over fixture trees: the daemon is found by its socket or its
 * pidfile (never by name), section-3 paths come from the real flags, and the
 * docker-bench false passes (decimal modes, hard-coded paths, wrong process)
 * come out right.
 */
import assert from 'node:assert/strict';
import { chownSync } from 'node:fs';
import { test } from 'node:test';
import { collectHostFacts } from '../../../src/audit/host/collect.js';
import { fsReader } from '../../../src/audit/host/reader.js';
import { evaluatePolicy, loadPolicy, SNAPSHOT_FORMAT, emptyFacts, type Snapshot } from '../../../src/audit/audit.js';
import type { HostFacts } from '../../../src/audit/host/types.js';
import type { EngineInfo } from '../../../src/audit/snapshot.js';
import { isSwarmguardError } from '../../../src/errors.js';
import { NOW } from '../helpers.js';
import { INET_HEADER, Tree, UNIX_HEADER, inetRow, unixRow } from './tree.js';

const SOCK = '/run/sg/docker.sock';

/** Two dockerds: the one we audit (PID 100, older) and a newer one with an authz plugin (PID 200), the trap of pgrep -f -n. */
function twoDaemons(t: Tree, daemonJson = '{"log-level":"debug","userland-proxy":true,"no-new-privileges":true,"cgroup-parent":"/custom"}\n', mode = 0o606): Tree {
  const unix = UNIX_HEADER + unixRow(5001, SOCK) + unixRow(5002, '/run/other.sock');
  t.file('/proc/net/unix', unix);
  t.proc({ pid: 1, ppid: 0, argv: ['/sbin/init'] });
  t.proc({
    pid: 100,
    ppid: 1,
    argv: ['/usr/bin/dockerd', '-H', `unix://${SOCK}`, '--config-file', '/srv/dj.json', '--data-root', '/srv/data', '--exec-root', '/srv/exec', '--iptables=false', '--log-opt', 'splunk-token=s3cr3t'],
    sockets: [5001, 7001, 7002],
    net: {
      tcp: INET_HEADER + inetRow('00000000', 2377, '0A', 7001) + inetRow('0A00000A', 7946, '0A', 7002),
      udp: INET_HEADER + inetRow('00000000', 4789, '07', 0),
    },
  });
  t.proc({ pid: 200, ppid: 1, argv: ['/usr/bin/dockerd', '-H', 'unix:///run/other.sock', '--authorization-plugin=authz', '--no-new-privileges'], sockets: [5002] });
  t.file('/srv/dj.json', daemonJson, mode);
  t.dir('/etc/docker');
  t.file('/etc/docker/daemon.json', '{"no-new-privileges": false}\n', 0o600);
  t.file(SOCK, '', 0o660); // a plain file stands in for the socket: mode and owner are what count
  t.file('/srv/exec/containerd/containerd.sock', '', 0o666);
  t.file('/lib/systemd/system/docker.service', '[Service]\n', 0o622);
  t.file('/etc/default/docker', '', 0o177);
  t.dir('/etc/docker/certs.d/reg:5000');
  t.file('/etc/docker/certs.d/reg:5000/ca.crt', 'x', 0o444);
  t.file('/etc/docker/certs.d/reg:5000/client.crt', 'x', 0o644);
  return t;
}

function snapWith(host: HostFacts | undefined, info: object = { Swarm: { LocalNodeState: 'active' } }): Snapshot {
  const facts = emptyFacts('not in this test');
  facts.info = { data: info as EngineInfo };
  if (host) facts.host = { data: host };
  return { format: SNAPSHOT_FORMAT, source: 'test', facts };
}

test('the daemon is the socket owner, not the newest dockerd; its own daemon.json (--config-file) and flags are read', async (t) => {
  const tree = twoDaemons(new Tree());
  t.after(tree.cleanup);
  const h = await collectHostFacts({ reader: fsReader(tree.root), socketPath: SOCK });
  assert.ok('pid' in h.daemon);
  assert.equal(h.daemon.pid, 100);
  assert.equal(h.daemon.foundBy, `owner of ${SOCK}`);
  assert.equal(h.configFile.path, '/srv/dj.json');
  assert.equal(h.settings['log-level']!.value, 'debug');
  assert.equal(h.settings['log-level']!.source, 'config-file');
  assert.equal(h.settings['no-new-privileges']!.value, true, 'from /srv/dj.json, not /etc/docker/daemon.json');
  assert.equal(h.settings['authorization-plugins']!.source, 'default', 'the other daemon\'s flag is not ours');
  assert.equal(h.settings.iptables!.value, false);
  assert.doesNotMatch(JSON.stringify(h), /s3cr3t/);
  assert.deepEqual(h.files['daemon-json']!.map((f) => [f.path, f.mode]), [['/srv/dj.json', 0o606]]);
  assert.deepEqual(h.files['docker-sock']!.map((f) => f.path), [SOCK], 'the -H path, not /var/run/docker.sock');
  assert.deepEqual(h.files['containerd-sock']!.map((f) => [f.path, f.exists]), [['/srv/exec/containerd/containerd.sock', true], ['/run/containerd/containerd.sock', false]]);
  assert.deepEqual(h.files['registry-certs']!.map((f) => f.path), ['/etc/docker/certs.d/reg:5000/ca.crt', '/etc/docker/certs.d/reg:5000/client.crt']);
  assert.deepEqual(h.files.tlskey, [], 'TLS not configured');
  assert.ok(Array.isArray(h.listening));
  assert.deepEqual(h.listening.map((s) => `${s.proto} ${s.address}:${s.port} ${s.daemon}`), ['tcp 0.0.0.0:2377 true', 'tcp 10.0.0.10:7946 true', 'udp 0.0.0.0:4789 false']);

  // rule by rule, as docker-bench gets it wrong: decimal modes (606, 622, 177 "≤ 644"), 2.10 from daemon.json, 2.3 level
  const policy = await loadPolicy();
  const res = evaluatePolicy(snapWith(h), policy, NOW);
  const st = (rule: string) => res.findings.filter((f) => f.rule === rule).map((f) => `${f.target.id}:${f.status}`);
  assert.deepEqual(st('cis-2.3'), ['engine:fail']);
  assert.deepEqual(st('cis-2.4'), ['engine:fail']);
  assert.deepEqual(st('cis-2.10'), ['engine:fail']);
  assert.deepEqual(st('cis-2.14'), ['engine:pass']);
  assert.deepEqual(st('cis-2.16'), ['engine:fail']);
  assert.deepEqual(st('cis-3.18'), ['/srv/dj.json:fail']);
  assert.deepEqual(st('cis-3.2'), ['/lib/systemd/system/docker.service:fail']);
  assert.deepEqual(st('cis-3.20'), ['/etc/default/docker:fail']);
  assert.deepEqual(st('cis-3.16'), [`${SOCK}:pass`]);
  assert.deepEqual(st('cis-3.24'), ['/srv/exec/containerd/containerd.sock:fail']);
  assert.deepEqual(st('cis-3.8'), ['/etc/docker/certs.d/reg:5000/ca.crt:pass', '/etc/docker/certs.d/reg:5000/client.crt:fail']);
  assert.deepEqual(st('cis-3.14'), ['engine:pass']);
  assert.deepEqual(st('cis-3.21'), ['engine:pass']);
  assert.match(res.findings.find((f) => f.rule === 'cis-3.21')!.message, /not present/);
  assert.deepEqual(st('cis-7.2'), ['tcp/0.0.0.0:2377:fail', 'tcp/10.0.0.10:7946:pass']);
  assert.deepEqual(st('sw-33'), ['tcp/0.0.0.0:2377:fail', 'tcp/10.0.0.10:7946:pass', 'udp/0.0.0.0:4789:fail']);
  assert.equal(res.findings.find((f) => f.rule === 'sw-33' && f.target.id === 'udp/0.0.0.0:4789')!.severity, 'low', 'the kernel binds VXLAN to every interface');
  assert.match(res.findings.find((f) => f.rule === 'cis-3.18')!.message, /mode 0606 has bits 0002 outside 0644/);
});

test('owner checks compare uid/gid by name; root by uid 0', { skip: process.getuid?.() !== 0 ? 'needs root to chown fixture files' : false }, async (t) => {
  const tree = twoDaemons(new Tree(), '{}', 0o644);
  t.after(tree.cleanup);
  chownSync(tree.at('/srv/dj.json'), 1000, 0);
  chownSync(tree.at(SOCK), 0, 105);
  const h = await collectHostFacts({ reader: fsReader(tree.root), socketPath: SOCK });
  const res = evaluatePolicy(snapWith(h), await loadPolicy(), NOW);
  const f = (rule: string) => res.findings.find((x) => x.rule === rule)!;
  assert.equal(f('cis-3.17').status, 'fail');
  assert.match(f('cis-3.17').message, /owner alice is not root/);
  assert.equal(f('cis-3.15').status, 'pass');
  assert.match(f('cis-3.15').message, /root:docker 0660/);
});

test('pidfile: names the daemon; a pidfile of another daemon than the audited socket is refused; stale pidfiles are errors', async (t) => {
  const tree = twoDaemons(new Tree());
  t.after(tree.cleanup);
  tree.file('/run/a.pid', '100\n').file('/run/b.pid', '200\n').file('/run/stale.pid', '999\n').file('/run/junk.pid', 'abc');
  const r = fsReader(tree.root);
  const a = await collectHostFacts({ reader: r, pidfile: '/run/a.pid' });
  assert.ok('pid' in a.daemon && a.daemon.pid === 100 && a.daemon.foundBy === 'pidfile /run/a.pid');
  const code = async (o: Parameters<typeof collectHostFacts>[0]) => {
    try {
      await collectHostFacts({ reader: r, ...o });
    } catch (e) {
      assert.ok(isSwarmguardError(e));
      return `${e.code}: ${e.message}`;
    }
    return 'ok';
  };
  assert.match(await code({ pidfile: '/run/b.pid', socketPath: SOCK }), /ERR_AUDIT_HOST_PIDFILE: .*PID 200, but the audited socket .* belongs to PID 100/);
  assert.match(await code({ pidfile: '/run/stale.pid' }), /not running \(stale pidfile\)/);
  assert.match(await code({ pidfile: '/run/junk.pid' }), /does not hold a PID/);
  assert.match(await code({ pidfile: '/run/none.pid' }), /does not exist/);
  // an explicit --config-file that is malformed is the user's input: exit 2 naming the file
  tree.file('/srv/bad.json', '{"icc": "yes"}');
  assert.match(await code({ socketPath: SOCK, configFile: '/srv/bad.json' }), /ERR_AUDIT_DAEMON_JSON: \/srv\/bad\.json: "icc" must be a boolean/);
});

test('socket activation: systemd and dockerd both hold the socket, dockerd (the inner holder) is the daemon; other netns are searched', async (t) => {
  const tree = new Tree();
  t.after(tree.cleanup);
  tree.file('/proc/net/unix', UNIX_HEADER);
  tree.proc({ pid: 1, ppid: 0, argv: ['/lib/systemd/systemd'], sockets: [9], netns: '1' });
  tree.proc({ pid: 50, ppid: 1, argv: ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'], sockets: [9], netns: '2', net: { unix: UNIX_HEADER + unixRow(9, '/run/docker.sock') } });
  tree.file('/run/docker.sock', '', 0o666);
  tree.dir('/var').link('/var/run', '../run');
  // the client's default path goes through the /var/run symlink; systemd bound /run/docker.sock
  const h = await collectHostFacts({ reader: fsReader(tree.root), socketPath: '/var/run/docker.sock' });
  assert.ok('pid' in h.daemon && h.daemon.pid === 50);
  assert.deepEqual(h.files['docker-sock']!.map((f) => [f.path, f.mode]), [['/var/run/docker.sock', 0o666]], 'fd:// resolves to the audited socket');
  assert.deepEqual(h.files['containerd-sock']!.map((f) => f.path), ['/run/containerd/containerd.sock']);
});

test('a bad daemon.json found on the host makes its settings unknown (with the file and field), flags still decide', async (t) => {
  const tree = twoDaemons(new Tree(), '{\n "log-level": "debug",\n}', 0o644);
  t.after(tree.cleanup);
  const h = await collectHostFacts({ reader: fsReader(tree.root), socketPath: SOCK });
  assert.match(h.configFile.error!, /\/srv\/dj\.json is not valid JSON at line 3, column 1/);
  const res = evaluatePolicy(snapWith(h), await loadPolicy(), NOW);
  const f = (rule: string) => res.findings.find((x) => x.rule === rule)!;
  assert.equal(f('cis-2.3').status, 'unknown');
  assert.match(f('cis-2.3').message, /\/srv\/dj\.json, which cannot be used: .*line 3/);
  assert.equal(f('cis-2.4').status, 'fail', '--iptables=false is on the command line');
});

test('no process owns the socket: host facts say why; no pgrep-style guess is made', async (t) => {
  const tree = twoDaemons(new Tree());
  t.after(tree.cleanup);
  const h = await collectHostFacts({ reader: fsReader(tree.root), socketPath: '/run/nobody.sock' });
  assert.ok('unavailable' in h.daemon);
  assert.match(h.daemon.unavailable, /no process listens on \/run\/nobody\.sock/);
  const res = evaluatePolicy(snapWith(h), await loadPolicy(), NOW);
  assert.equal(res.findings.find((x) => x.rule === 'cis-2.16')!.status, 'unknown');
});

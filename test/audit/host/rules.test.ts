import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { emptyFacts, loadSnapshot, SNAPSHOT_FORMAT, writeSnapshot, type Facts, type Snapshot } from '../../../src/audit/audit.js';
import { RULE_KINDS } from '../../../src/audit/rules/index.js';
import type { FileFact, HostFacts } from '../../../src/audit/host/types.js';
import { isSwarmguardError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/env.js';
import { NOW } from '../helpers.js';

const file = (p: string, mode: number, extra: Partial<FileFact> = {}): FileFact => ({ path: p, exists: true, type: 'file', mode, uid: 0, gid: 0, user: 'root', group: 'root', ...extra });

function host(over: Partial<HostFacts> = {}): HostFacts {
  return {
    format: 'swarmguard-host-facts/1',
    daemon: { pid: 10, foundBy: 'pidfile /run/docker.pid', argv: ['dockerd'] },
    flags: {},
    unrecognizedFlags: [],
    configFile: { path: '/etc/docker/daemon.json', file: { path: '/etc/docker/daemon.json', exists: false }, loaded: false },
    unknownConfigKeys: [],
    settings: { 'log-level': { value: 'info', source: 'default' }, 'default-ulimits': { value: {}, source: 'default' } },
    conflicts: [],
    files: {},
    listening: [],
    swarm: {
      dataRoot: '/var/lib/docker',
      execRoot: '/var/run/docker',
      dir: { ...file('/var/lib/docker/swarm', 0o700), type: 'directory' },
      controlSock: { ...file('/var/run/docker/swarm/control.sock', 0o755), type: 'socket' },
    },
    ...over,
  };
}

function facts(h: HostFacts | undefined, extra: Partial<Record<keyof Facts, unknown>> = {}): Facts {
  const f = emptyFacts('not in this test');
  if (h) f.host = { data: h };
  for (const [k, v] of Object.entries(extra)) (f as unknown as Record<string, unknown>)[k] = { data: v };
  return f;
}
const run = (kind: string, f: Facts, params: Record<string, unknown>) => RULE_KINDS.get(kind)!.evaluate(f, params, NOW);
const st = (o: ReturnType<typeof run>) => o.map((x) => `${x.target.id}:${x.status}${x.severity ? `/${x.severity}` : ''}`);

test('host rules without host facts are unknown with the reason, never pass', () => {
  const remote = facts(undefined);
  for (const [kind, params] of [
    ['daemon-setting', { key: 'userland-proxy', op: 'equals', value: false }],
    ['host-file', { role: 'daemon-json', maxMode: '0644' }],
    ['swarm-state', { controlSockSeverity: 'critical' }],
    ['node-cert-expiry', { highDays: 7, mediumDays: 30 }],
    ['swarm-listen', { tcpPorts: [2377], udpPorts: [4789] }],
  ] as const) {
    const o = run(kind, remote, params);
    assert.deepEqual(o.map((x) => x.status), ['unknown'], kind);
    assert.match(o[0]!.message, /audited remotely/);
  }
  // 2.3 remotely: Debug=true in /info still decides a failure
  const p = { key: 'log-level', op: 'in', value: ['info'], remoteFail: { path: 'Debug', equals: true } };
  assert.equal(run('daemon-setting', facts(undefined, { info: { Debug: true } }), p)[0]!.status, 'fail');
  assert.equal(run('daemon-setting', facts(undefined, { info: { Debug: false } }), p)[0]!.status, 'unknown');
});

test('daemon-setting: defaults, an empty default-ulimits is unset, conflicts are reported', () => {
  assert.equal(run('daemon-setting', facts(host()), { key: 'log-level', op: 'in', value: ['info'] })[0]!.status, 'pass');
  assert.equal(run('daemon-setting', facts(host()), { key: 'default-ulimits', op: 'nonEmpty' })[0]!.status, 'fail');
  const h = host({ settings: { 'log-level': { value: 'info', source: 'flag', from: '--log-level' } }, conflicts: ['log-level'] });
  assert.match(run('daemon-setting', facts(h), { key: 'log-level', op: 'in', value: ['info'] })[0]!.message, /dockerd will refuse to restart/);
});

test('host-file: modes as bits (606, 622, 177 fail against 0644 where docker-bench passes them), exact 0400, missing files', () => {
  const h = host({
    files: {
      'daemon-json': [file('/a', 0o606)],
      'docker.service': [file('/b', 0o622)],
      'etc-default-docker': [file('/c', 0o177)],
      'etc-sysconfig-docker': [file('/d', 0o640)],
      tlskey: [file('/k', 0o440)],
      tlscert: [{ path: '/cert.pem', exists: false }],
      'docker.socket': [file('/e', 0o4644)],
    },
  });
  const mode = (role: string, extra: object = {}) => st(run('host-file', facts(h), { role, maxMode: '0644', ...extra }));
  assert.deepEqual(mode('daemon-json'), ['/a:fail']);
  assert.deepEqual(mode('docker.service'), ['/b:fail']);
  assert.deepEqual(mode('etc-default-docker'), ['/c:fail']);
  assert.deepEqual(mode('etc-sysconfig-docker'), ['/d:pass'], '640 is stricter than 644');
  assert.deepEqual(mode('docker.socket'), ['/e:fail'], 'setuid is outside 0644');
  assert.deepEqual(st(run('host-file', facts(h), { role: 'tlskey', exactMode: '0400' })), ['/k:fail'], '0440 is not 0400');
  assert.deepEqual(st(run('host-file', facts(h), { role: 'tlscert', maxMode: '0444', missing: 'unknown' })), ['/cert.pem:unknown']);
  assert.deepEqual(st(run('host-file', facts(h), { role: 'tlscacert', maxMode: '0444' })), ['engine:unknown'], 'role absent from the facts');
});

test('swarm-listen: wildcard fails, public address fails at publicSeverity, private passes, API host ports are not swarm ports', () => {
  const l = (proto: 'tcp' | 'udp' | 'tcp6', address: string, port: number, daemon = true, inode = 1) => ({ proto, address, port, inode, daemon });
  const h = host({
    listening: [l('tcp', '0.0.0.0', 2376), l('tcp6', '::', 40000), l('tcp', '203.0.113.5', 7946), l('udp', '10.1.2.3', 4789, false, 0), l('tcp', '127.0.0.1', 8080, false), l('udp', '0.0.0.0', 7946, false, 7)],
    settings: { hosts: { value: ['tcp://0.0.0.0:2376'], source: 'flag', from: '--host' } },
  });
  const f = facts(h, { info: { Swarm: { LocalNodeState: 'active' } } });
  assert.deepEqual(st(run('swarm-listen', f, { tcpPorts: [2377, 7946], udpPorts: [7946, 4789], publicSeverity: 'high' })), ['tcp/[::]:40000:fail', 'tcp/203.0.113.5:7946:fail/high', 'udp/10.1.2.3:4789:pass']);
  assert.deepEqual(st(run('swarm-listen', f, { tcpPorts: [2377, 7946], udpPorts: [7946, 4789] })), ['tcp/[::]:40000:fail', 'tcp/203.0.113.5:7946:pass', 'udp/10.1.2.3:4789:pass']);
  const vx = host({ listening: [l('udp', '0.0.0.0', 4789, false)] });
  assert.deepEqual(st(run('swarm-listen', facts(vx), { tcpPorts: [], udpPorts: [4789], firewallOnlyPorts: [4789] })), ['udp/0.0.0.0:4789:fail/low']);
  assert.deepEqual(st(run('swarm-listen', facts(h, { info: { Swarm: { LocalNodeState: 'inactive' } } }), { tcpPorts: [2377], udpPorts: [] })), ['engine:pass']);
  assert.deepEqual(st(run('swarm-listen', facts(host(), { info: { Swarm: { LocalNodeState: 'active' } } }), { tcpPorts: [2377], udpPorts: [] })), ['engine:unknown']);
});

test('swarm-state: control.sock writable by others is critical; key encryption against autolock; workers never hold a KEK', () => {
  const key = (encrypted: boolean, alg?: number) => ({
    path: '/var/lib/docker/swarm/certificates/swarm-node.key',
    file: file('/var/lib/docker/swarm/certificates/swarm-node.key', 0o600),
    pemType: encrypted ? 'ENCRYPTED PRIVATE KEY' : 'PRIVATE KEY',
    encrypted,
    headers: ['kek-version', 'raft-dek'],
    ...(alg !== undefined ? { raftDekAlgorithm: alg } : {}),
    raftDekPending: false,
  });
  const cert = (ou: string) => ({ path: '/c', notBefore: '2026-05-01T00:00:00.000Z', notAfter: '2026-07-30T00:00:00.000Z', subject: { OU: ou }, issuer: 'CN=swarm-ca' });
  const base = host().swarm;
  const with_ = (o: Partial<HostFacts['swarm']>, autolock?: boolean) =>
    facts(host({ swarm: { ...base, ...o } }), autolock === undefined ? {} : { swarm: { Spec: { EncryptionConfig: { AutoLockManagers: autolock } } } });
  const p = { controlSockSeverity: 'critical' };
  assert.deepEqual(st(run('swarm-state', with_({ nodeKey: key(true, 1), nodeCert: cert('swarm-manager') }, true), p)).map((s) => s.split(':').pop()), ['pass', 'pass', 'pass', 'pass']);
  const plainOn = run('swarm-state', with_({ nodeKey: key(false, 0), nodeCert: cert('swarm-manager') }, true), p);
  assert.equal(plainOn[3]!.status, 'fail');
  assert.equal(run('swarm-state', with_({ nodeKey: key(true, 0), nodeCert: cert('swarm-manager') }, true), p)[3]!.status, 'fail', 'raft-dek NONE');
  assert.equal(run('swarm-state', with_({ nodeKey: key(false, 0), nodeCert: cert('swarm-manager') }, false), p)[3]!.status, 'pass');
  assert.equal(run('swarm-state', with_({ nodeKey: key(false), nodeCert: cert('swarm-worker') }), p)[3]!.status, 'pass');
  assert.equal(run('swarm-state', with_({ nodeKey: key(false), nodeCert: cert('swarm-manager') }), p)[3]!.status, 'unknown', 'autolock unknown');
  const open = run('swarm-state', with_({ controlSock: { ...base.controlSock, mode: 0o777 }, dir: { ...base.dir, mode: 0o755 } }), p);
  assert.deepEqual(st(open), ['/var/lib/docker/swarm:fail', '/var/run/docker/swarm/control.sock:fail/critical']);
  assert.deepEqual(st(run('swarm-state', with_({ dir: { path: '/var/lib/docker/swarm', exists: false } }), p)), ['engine:pass']);
});

test('node-cert-expiry: days left, expired, renewal failing', () => {
  const c = (notBefore: string, notAfter: string) => facts(host({ swarm: { ...host().swarm, nodeCert: { path: '/c', notBefore, notAfter, subject: { OU: 'swarm-manager', CN: 'n1' }, issuer: 'CN=swarm-ca' } } }), { swarm: { Spec: { CAConfig: { NodeCertExpiry: 7776000000000000 } } } });
  const p = { highDays: 7, mediumDays: 30 };
  assert.deepEqual(st(run('node-cert-expiry', c('2026-05-01T00:00:00Z', '2026-07-30T00:00:00Z'), p)), ['/c:pass']);
  assert.deepEqual(st(run('node-cert-expiry', c('2026-03-10T00:00:00Z', '2026-06-20T00:00:00Z'), p)), ['/c:fail/medium']);
  assert.deepEqual(st(run('node-cert-expiry', c('2026-03-10T00:00:00Z', '2026-06-03T00:00:00Z'), p)), ['/c:fail/high']);
  assert.deepEqual(st(run('node-cert-expiry', c('2026-01-01T00:00:00Z', '2026-05-30T00:00:00Z'), p)), ['/c:fail/critical']);
  assert.deepEqual(st(run('node-cert-expiry', c('2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), p)), ['/c:fail/high'], 'older than NodeCertExpiry: renewal failing');
});

test('node-cert (SW-05) adds the node\'s own certificate to the TLS probes when host facts are there', () => {
  const withCert = facts(host({ swarm: { ...host().swarm, nodeCert: { path: '/c', notBefore: '2026-03-10T00:00:00Z', notAfter: '2026-06-20T00:00:00Z', subject: { OU: 'swarm-manager', CN: 'n1' }, issuer: 'CN=swarm-ca' } } }), { swarm: { Spec: { CAConfig: { NodeCertExpiry: 7776000000000000 } } } });
  const p = { highDays: 7, mediumDays: 30 };
  // no tls facts: the probe half is unknown, the file half still decides
  assert.deepEqual(st(run('node-cert', withCert, p)), ['cluster:unknown', '/c:fail/medium']);
  // remote audit (no host facts): only the probe half, no host-unavailable noise
  assert.deepEqual(st(run('node-cert', facts(undefined), p)), ['cluster:unknown']);
});

test('snapshot: host.json round-trips; a malformed one names the file and the fields; absent means unknown', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const snap: Snapshot = { format: SNAPSHOT_FORMAT, source: 'unix:///x', facts: facts(host(), { info: {} }) };
  const out = path.join(dir, 's');
  const files = await writeSnapshot(out, snap);
  assert.ok(files.some((f) => f.endsWith('host.json')));
  const back = await loadSnapshot(out);
  assert.deepEqual(back.facts.host, snap.facts.host);
  const bad = path.join(dir, 'bad');
  mkdirSync(bad);
  writeFileSync(path.join(bad, 'info.json'), '{}');
  writeFileSync(path.join(bad, 'host.json'), JSON.stringify({ ...host(), settings: { x: { value: 1, source: 'guess' } }, listening: [{ proto: 'sctp', address: 'a', port: 1, daemon: true }] }));
  await assert.rejects(loadSnapshot(bad), (e: unknown) => {
    assert.ok(isSwarmguardError(e));
    assert.equal(e.code, 'ERR_AUDIT_SNAPSHOT_HOST');
    assert.match(e.message, /host\.json: .*\/settings\/x\/source/);
    assert.match(e.message, /\/listening/);
    return true;
  });
  const none = path.join(dir, 'none');
  mkdirSync(none);
  writeFileSync(path.join(none, 'info.json'), '{}');
  const n = await loadSnapshot(none);
  assert.ok(n.facts.host && 'unavailable' in n.facts.host);
});

test('CLI host collection: --no-host and remote engines give host facts unavailable with the reason', async () => {
  const { addHostFacts } = await import('../../../src/cli/commands/audit/host-options.js');
  const snap = (): Snapshot => ({ format: SNAPSHOT_FORMAT, source: 'x', facts: facts(undefined) });
  const remote = snap();
  await addHostFacts(remote, { target: { host: 'mgr1', port: 2376, secure: true, display: 'tcp://mgr1:2376' }, display: 'tcp://mgr1:2376' }, { host: true });
  assert.match((remote.facts.host as { unavailable: string }).unavailable, /tcp:\/\/mgr1:2376 is a remote engine/);
  const off = snap();
  await addHostFacts(off, { target: { socketPath: '/run/docker.sock', secure: false, display: 'unix:///run/docker.sock' }, display: 'unix:///run/docker.sock' }, { host: false });
  assert.match((off.facts.host as { unavailable: string }).unavailable, /--no-host/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE_KINDS } from '../../src/audit/rules/index.js';
import { NOW, snap } from './helpers.js';

const run = (kind: string, data: Parameters<typeof snap>[0], params: Record<string, unknown> = {}) => RULE_KINDS.get(kind)!.evaluate(snap(data).facts, params, NOW);
const statuses = (os: ReturnType<typeof run>) => os.map((o) => `${o.target.name ?? o.target.id}:${o.status}`);
const svc = (name: string, containerSpec: object, extra: object = {}) => ({ ID: name, Spec: { Name: name, TaskTemplate: { ContainerSpec: containerSpec, ...extra } } });

test('field: pass, fail, and unknown when the endpoint or the field is missing', () => {
  const p = { endpoint: 'info', path: 'LiveRestoreEnabled', op: 'equals', value: true, absentIsUnknown: true };
  assert.equal(run('field', { info: { LiveRestoreEnabled: true } }, p)[0]!.status, 'pass');
  assert.equal(run('field', { info: { LiveRestoreEnabled: false } }, p)[0]!.status, 'fail');
  assert.equal(run('field', { info: {} }, p)[0]!.status, 'unknown');
  assert.equal(run('field', {}, p)[0]!.status, 'unknown');
  const auth = { endpoint: 'info', path: 'Plugins.Authorization', op: 'nonEmpty' };
  assert.equal(run('field', { info: { Plugins: { Authorization: null } } }, auth)[0]!.status, 'fail');
  assert.equal(run('field', { info: { Plugins: { Authorization: ['sg'] } } }, auth)[0]!.status, 'pass');
});

test('host-only is always unknown, never pass', () => {
  const o = run('host-only', { info: {} }, { needs: 'daemon.json' });
  assert.deepEqual(o.map((x) => x.status), ['unknown']);
});

test('manager-count counts managers from /nodes (not Leader rows)', () => {
  const m = (n: number) => Array.from({ length: n }, (_, i) => ({ ID: `m${i}`, Spec: { Role: 'manager' }, ManagerStatus: { Leader: i === 0, Reachability: 'reachable' } }));
  const worker = { ID: 'w', Spec: { Role: 'worker' } };
  assert.equal(run('manager-count', { nodes: [...m(1), worker] }, { max: 7 })[0]!.status, 'fail');
  assert.equal(run('manager-count', { nodes: m(2) }, { max: 7 })[0]!.status, 'fail');
  assert.equal(run('manager-count', { nodes: m(3) }, { max: 7 })[0]!.status, 'pass');
  const nine = run('manager-count', { nodes: m(9) }, { max: 7 })[0]!;
  assert.equal(nine.status, 'fail');
  assert.equal(nine.severity, 'low');
  assert.equal(run('manager-count', {}, { max: 7 })[0]!.status, 'unknown');
});

test('raft-quorum: quorum lost is critical, at quorum is medium', () => {
  const mk = (r: string[]) => r.map((x, i) => ({ ID: `m${i}`, Spec: { Role: 'manager' }, ManagerStatus: { Leader: i === 0, Reachability: x } }));
  assert.equal(run('raft-quorum', { nodes: mk(['reachable', 'unreachable', 'unreachable']) })[0]!.severity, 'critical');
  assert.equal(run('raft-quorum', { nodes: mk(['reachable', 'reachable', 'unreachable']) })[0]!.severity, 'medium');
  assert.equal(run('raft-quorum', { nodes: mk(['reachable', 'reachable', 'reachable']) })[0]!.status, 'pass');
});

test('overlay-encryption: user overlays must be encrypted; ingress only matters when ports are published', () => {
  const networks = [
    { Name: 'ingress', Id: 'i', Driver: 'overlay', Ingress: true, Options: {} },
    { Name: 'plain', Id: 'p', Driver: 'overlay', Options: {} },
    { Name: 'secure', Id: 's', Driver: 'overlay', Options: { encrypted: '' } },
    { Name: 'bridge', Id: 'b', Driver: 'bridge' },
  ];
  const noPorts = run('overlay-encryption', { networks, services: [] }, { ingressSeverity: 'medium' });
  assert.deepEqual(statuses(noPorts), ['ingress:pass', 'plain:fail', 'secure:pass']);
  const published = run('overlay-encryption', { networks, services: [{ ID: 'x', Spec: { EndpointSpec: { Ports: [{ PublishedPort: 8080 }] } } }] }, { ingressSeverity: 'medium' });
  assert.deepEqual(statuses(published), ['ingress:fail', 'plain:fail', 'secure:pass']);
  assert.equal(published[0]!.severity, 'medium');
  assert.deepEqual(statuses(run('overlay-encryption', { networks }, { ingressSeverity: 'medium' })), ['ingress:unknown', 'plain:fail', 'secure:pass']);
});

test('service-mounts: docker.sock anywhere, sensitive dirs, read-only severity', () => {
  const services = [
    svc('sock', { Mounts: [{ Type: 'bind', Source: '/srv/run/docker.sock', Target: '/x' }] }),
    svc('etc-ro', { Mounts: [{ Type: 'bind', Source: '/etc', Target: '/host-etc', ReadOnly: true }] }),
    svc('vol', { Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }] }),
    svc('etcd', { Mounts: [{ Type: 'bind', Source: '/etcd-data', Target: '/d' }] }),
  ];
  assert.deepEqual(statuses(run('service-mounts', { services }, { paths: ['/var/run/docker.sock'], basenames: ['docker.sock'] })), ['sock:fail', 'etc-ro:pass', 'vol:pass', 'etcd:pass']);
  const o = run('service-mounts', { services }, { paths: ['/', '/etc'], readOnlySeverity: 'medium' });
  assert.deepEqual(statuses(o), ['sock:pass', 'etc-ro:fail', 'vol:pass', 'etcd:pass']);
  assert.equal(o[1]!.severity, 'medium');
  assert.equal(run('service-mounts', { services: [] }, { paths: ['/'] })[0]!.status, 'pass');
  assert.equal(run('service-mounts', {}, { paths: ['/'] })[0]!.status, 'unknown');
});

test('service-ports, service-image-digest, service-host-network, service-capabilities', () => {
  const services = [
    { ID: 'a', Spec: { Name: 'a', TaskTemplate: { ContainerSpec: { Image: 'busybox:latest', CapabilityAdd: ['CAP_SYS_ADMIN'] }, Networks: [{ Target: 'hostid' }] }, EndpointSpec: { Ports: [{ PublishedPort: 22, Protocol: 'tcp' }] } } },
    { ID: 'b', Spec: { Name: 'b', TaskTemplate: { ContainerSpec: { Image: `nginx:1.27@sha256:${'a'.repeat(64)}`, CapabilityAdd: ['ALL'] } }, EndpointSpec: { Ports: [{ PublishedPort: 8080 }] } } },
    { ID: 'c', Spec: { Name: 'c', TaskTemplate: { ContainerSpec: { Image: 'registry:5000/app' } } } },
  ];
  const networks = [{ Name: 'host', Id: 'hostid', Driver: 'host' }];
  assert.deepEqual(statuses(run('service-ports', { services }, { below: 1024 })), ['a:fail', 'b:pass', 'c:pass']);
  assert.deepEqual(statuses(run('service-ports', { services }, { ports: [8080] })), ['a:pass', 'b:fail', 'c:pass']);
  const img = run('service-image-digest', { services });
  assert.deepEqual(statuses(img), ['a:fail', 'b:pass', 'c:fail']);
  assert.match(img[2]!.message, /no tag/);
  assert.deepEqual(statuses(run('service-host-network', { services, networks })), ['a:fail', 'b:pass', 'c:pass']);
  const caps = run('service-capabilities', { services }, { deny: ['SYS_ADMIN'] });
  assert.deepEqual(statuses(caps), ['a:fail', 'b:fail', 'c:pass']);
  assert.equal(caps[1]!.severity, 'critical');
});

test('service-env-secrets flags credential names, not *_FILE, and the snapshot never holds the value', () => {
  const s = snap({ services: [svc('db', { Env: ['DB_PASSWORD=hunter2', 'PASSWORD_FILE=/run/secrets/p', 'MODE=prod'] })] });
  assert.doesNotMatch(JSON.stringify(s), /hunter2/);
  const o = RULE_KINDS.get('service-env-secrets')!.evaluate(s.facts, {}, NOW);
  assert.equal(o[0]!.status, 'fail');
  assert.match(o[0]!.message, /DB_PASSWORD/);
  assert.doesNotMatch(o[0]!.message, /PASSWORD_FILE/);
});

test('service-field: absent limits fail, set ones pass; notIn treats absent as null', () => {
  const services = [svc('a', {}, { Resources: { Limits: { MemoryBytes: 1 << 20 } } }), svc('b', { User: '1000' })];
  assert.deepEqual(statuses(run('service-field', { services }, { path: 'Resources.Limits.MemoryBytes', op: 'positive' })), ['a:pass', 'b:fail']);
  assert.deepEqual(statuses(run('service-field', { services }, { path: 'ContainerSpec.User', op: 'notIn', value: [null, '', '0', 'root'] })), ['a:fail', 'b:pass']);
});

test('ca-root: age and remaining life from the trust root', async () => {
  const { X509Certificate } = await import('node:crypto');
  const { generateKeyPairSync } = await import('node:crypto');
  void generateKeyPairSync;
  void X509Certificate;
  const pem = (await import('node:fs')).readFileSync(new URL('../../../test/audit/fixtures/valid_root_ca.pem', import.meta.url), 'utf8');
  const fresh = new Date('2026-01-01T00:00:00Z');
  const o = RULE_KINDS.get('ca-root')!.evaluate(snap({ swarm: { TLSInfo: { TrustRoot: pem } } }).facts, { maxAgeDays: 365, minRemainingDays: 180 }, fresh);
  assert.ok(['pass', 'fail'].includes(o[0]!.status));
  assert.equal(RULE_KINDS.get('ca-root')!.evaluate(snap({ swarm: { TLSInfo: { TrustRoot: 'junk' } } }).facts, { maxAgeDays: 1, minRemainingDays: 0 }, fresh)[0]!.status, 'unknown');
});

test('engine-version: advisory ranges per node', () => {
  const nodes = [
    { ID: 'a', Description: { Engine: { EngineVersion: '20.10.23' } } },
    { ID: 'b', Description: { Engine: { EngineVersion: '23.0.2' } } },
    { ID: 'c', Description: { Engine: { EngineVersion: '24.0.7' } } },
    { ID: 'd', Description: {} },
  ];
  assert.deepEqual(statuses(run('engine-version', { nodes }, { vulnerable: [['0.0.0', '20.10.24'], ['23.0.0', '23.0.3']] })), ['a:fail', 'b:fail', 'c:pass', 'd:unknown']);
});

test('config-content and daemon-tls', () => {
  const key = Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHc=\n-----END EC PRIVATE KEY-----\n').toString('base64');
  const s = snap({ configs: [{ ID: 'k', Spec: { Name: 'key', Data: key } }, { ID: 'n', Spec: { Name: 'nginx', Data: Buffer.from('worker_processes 1;').toString('base64') } }] });
  assert.doesNotMatch(JSON.stringify(s), /PRIVATE KEY|MHc=/);
  assert.deepEqual(statuses(RULE_KINDS.get('config-content')!.evaluate(s.facts, {}, NOW)), ['key:fail', 'nginx:pass']);
  const tls = run('daemon-tls', { info: { Warnings: ['WARNING: API is accessible on http://0.0.0.0:2375 without encryption.'] } });
  assert.equal(tls[0]!.severity, 'critical');
  assert.equal(run('daemon-tls', { info: { Warnings: null } })[0]!.status, 'pass');
});

/**
 * Rule kinds behind the SW-xx checks and the CIS section-5 service-spec
 * checks added with them: pass, fail and unknown for each, from fixtures
 * shaped like Engine API answers.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { advanceHistory } from '../../src/audit/history.js';
import { RULE_KINDS } from '../../src/audit/rules/index.js';
import { sha256Hex, type RotationHistory } from '../../src/audit/snapshot.js';
import { fixtures, NOW, snap } from './helpers.js';

type Data = Parameters<typeof snap>[0];
const run = (kind: string, data: Data, params: Record<string, unknown> = {}, now = NOW, history?: RotationHistory) => {
  const s = snap(data);
  if (history) s.facts.history = { data: history };
  return RULE_KINDS.get(kind)!.evaluate(s.facts, params, now);
};
const statuses = (os: ReturnType<typeof run>) => os.map((o) => `${o.target.name ?? o.target.id}:${o.status}`);
const svc = (name: string, containerSpec: object, extra: object = {}, spec: object = {}) => ({ ID: name, Spec: { Name: name, TaskTemplate: { ContainerSpec: containerSpec, ...extra }, ...spec } });
const DAY = 86_400_000;
const days = (n: number) => new Date(NOW.getTime() + n * DAY);
const v144 = { ApiVersion: '1.44' };
const v141 = { ApiVersion: '1.41' };

test('manager-workloads (SW-04): active managers with running tasks fail; unknown without /tasks', () => {
  const nodes = [
    { ID: 'm1', Spec: { Role: 'manager', Availability: 'active' }, Description: { Hostname: 'm1' } },
    { ID: 'm2', Spec: { Role: 'manager', Availability: 'drain' }, Description: { Hostname: 'm2' } },
    { ID: 'm3', Spec: { Role: 'manager', Availability: 'active' }, Description: { Hostname: 'm3' } },
    { ID: 'w1', Spec: { Role: 'worker', Availability: 'active' } },
  ];
  const tasks = [
    { NodeID: 'm1', DesiredState: 'running', ServiceID: 'web' },
    { NodeID: 'm3', DesiredState: 'shutdown', ServiceID: 'old' },
    { NodeID: 'w1', DesiredState: 'running', ServiceID: 'web' },
  ];
  assert.deepEqual(statuses(run('manager-workloads', { nodes, tasks })), ['m1:fail', 'm3:pass']);
  assert.deepEqual(statuses(run('manager-workloads', { nodes })), ['m1:unknown', 'm3:unknown']);
  assert.deepEqual(statuses(run('manager-workloads', { nodes: [nodes[0]!], tasks })), ['cluster:pass'], 'single node: nowhere else to run');
  assert.deepEqual(statuses(run('manager-workloads', {})), ['cluster:unknown']);
});

const rootPem = readFileSync(path.join(fixtures, 'valid_root_ca.pem'), 'utf8');
const root = new X509Certificate(rootPem);

test('ca-expiry (SW-07): critical under 30 days, high under 180, unknown without a trust root', () => {
  const end = Date.parse(root.validTo);
  const at = (d: number) => new Date(end - d * DAY);
  const p = { criticalDays: 30, highDays: 180 };
  const swarm = { TLSInfo: { TrustRoot: rootPem } };
  assert.equal(run('ca-expiry', { swarm }, p, at(10))[0]!.severity, 'critical');
  assert.equal(run('ca-expiry', { swarm }, p, at(100))[0]!.severity, 'high');
  assert.equal(run('ca-expiry', { swarm }, p, at(1000))[0]!.status, 'pass');
  assert.equal(run('ca-expiry', { swarm: {} }, p)[0]!.status, 'unknown');
  assert.equal(run('ca-expiry', {}, p)[0]!.status, 'unknown');
});

test('ca-rotation (SW-08): age, rotation in progress, nodes on another issuer', () => {
  const young = new Date(Date.parse(root.validFrom) + 10 * DAY);
  const old = new Date(Date.parse(root.validFrom) + 400 * DAY);
  const swarm = { TLSInfo: { TrustRoot: rootPem, CertIssuerPublicKey: 'K1' } };
  const nodes = [
    { ID: 'a', Description: { Hostname: 'a', TLSInfo: { CertIssuerPublicKey: 'K1' } } },
    { ID: 'b', Description: { Hostname: 'b', TLSInfo: { CertIssuerPublicKey: 'K0' } } },
  ];
  const p = { maxAgeDays: 365, ageSeverity: 'low' };
  assert.deepEqual(statuses(run('ca-rotation', { swarm, nodes: [nodes[0]] }, p, young)), ['cluster:pass', 'ca-rotation:pass']);
  const o = run('ca-rotation', { swarm: { ...swarm, RootRotationInProgress: true }, nodes }, p, old);
  assert.deepEqual(statuses(o), ['cluster:fail', 'ca-rotation:fail', 'ca-rotation:fail']);
  assert.deepEqual(o.map((x) => x.severity), ['low', 'medium', 'medium']);
  assert.match(o[2]!.message, /\bb\b/);
  assert.deepEqual(statuses(run('ca-rotation', { swarm }, p, young)), ['cluster:pass', 'ca-rotation:unknown']);
  assert.deepEqual(statuses(run('ca-rotation', {}, p)), ['cluster:unknown']);
});

test('engine-eol (SW-15): EOL lines medium, mixed majors low', () => {
  const nodes = [
    { ID: 'a', Description: { Hostname: 'a', Engine: { EngineVersion: '20.10.24' } } },
    { ID: 'b', Description: { Hostname: 'b', Engine: { EngineVersion: '27.3.1' } } },
    { ID: 'c', Description: { Hostname: 'c', Engine: {} } },
  ];
  const o = run('engine-eol', { nodes }, { eol: ['20.10'] });
  assert.deepEqual(statuses(o), ['a:fail', 'b:pass', 'c:unknown', 'engine-versions:fail']);
  assert.equal(o[3]!.severity, 'low');
  assert.deepEqual(statuses(run('engine-eol', { version: { Version: '27.3.1' } }, { eol: ['20.10'] })), ['engine:pass']);
  assert.deepEqual(statuses(run('engine-eol', {}, { eol: ['20.10'] })), ['engine:unknown']);
});

test('secret-mounts (SW-19): wide file modes, old secrets, unused secrets', () => {
  const services = [
    svc('wide', { Secrets: [{ SecretID: 's1', SecretName: 'db', File: { Mode: 0o777 } }] }),
    svc('tight', { Secrets: [{ SecretID: 's1', SecretName: 'db', File: { Mode: 0o400 } }] }),
    svc('default', { Secrets: [{ SecretID: 's2', SecretName: 'api' }] }),
    svc('none', {}),
  ];
  const secrets = [
    { ID: 's1', Spec: { Name: 'db' }, CreatedAt: days(-10).toISOString() },
    { ID: 's2', Spec: { Name: 'api' }, CreatedAt: days(-400).toISOString() },
    { ID: 's3', Spec: { Name: 'spare' }, CreatedAt: days(-1).toISOString() },
  ];
  const o = run('secret-mounts', { services, secrets }, { maxMode: 0o440, maxAgeDays: 365 });
  assert.deepEqual(statuses(o), ['wide:fail', 'tight:pass', 'default:fail', 'db:pass', 'api:fail', 'spare:fail']);
  assert.match(o[2]!.message, /0444/, 'no File.Mode means the engine default 0444');
  assert.equal(o[5]!.severity, 'info');
  assert.deepEqual(statuses(run('secret-mounts', {}, { maxMode: 0o440, maxAgeDays: 365 })), ['services:unknown', 'secrets:unknown']);
});

test('service-image-registry (SW-21): unknown without an allow-list, then allowed or not', () => {
  const services = [svc('hub', { Image: 'busybox:1' }), svc('own', { Image: 'reg.example:5000/app@sha256:' + 'a'.repeat(64) }), svc('none', {})];
  assert.deepEqual(statuses(run('service-image-registry', { services }, { allowedRegistries: [] })), ['hub:unknown', 'own:unknown', 'none:unknown']);
  assert.deepEqual(statuses(run('service-image-registry', { services }, { allowedRegistries: ['reg.example:5000'] })), ['hub:fail', 'own:pass', 'none:unknown']);
  assert.deepEqual(statuses(run('service-image-registry', { services }, { allowedRegistries: ['docker.io'] })), ['hub:pass', 'own:fail', 'none:unknown']);
});

test('service-privileged (SW-25, CIS 5.5): ALL capabilities plus devices or a disabled profile', () => {
  const services = [
    svc('priv', { CapabilityAdd: ['ALL'], Mounts: [{ Type: 'bind', Source: '/dev', Target: '/dev' }] }),
    svc('nosec', { CapabilityAdd: ['CAP_ALL'], Privileges: { Seccomp: { Mode: 'unconfined' } } }),
    svc('capsonly', { CapabilityAdd: ['ALL'] }),
    svc('devonly', { Mounts: [{ Type: 'bind', Source: '/dev/fuse', Target: '/dev/fuse' }] }),
  ];
  assert.deepEqual(statuses(run('service-privileged', { services }, { devicePaths: ['/dev'] })), ['priv:fail', 'nosec:fail', 'capsonly:pass', 'devonly:pass']);
  assert.deepEqual(statuses(run('service-privileged', {}, { devicePaths: ['/dev'] })), ['services:unknown']);
});

test('service-privileges (SW-28, CIS 5.2/5.3/5.22/5.26): weakened profiles, NNP, and engines older than API 1.44', () => {
  const services = [
    svc('weak', { Privileges: { Seccomp: { Mode: 'unconfined' }, AppArmor: { Mode: 'disabled' } } }),
    svc('nnp', { Privileges: { NoNewPrivileges: true } }),
    svc('plain', {}),
  ];
  const sw28 = { checks: ['seccomp', 'apparmor', 'no-new-privileges'], nnpSeverity: 'low', oldApiSeverity: 'info' };
  const o = run('service-privileges', { services, version: v144, info: { SecurityOptions: ['name=seccomp,profile=default'] } }, sw28);
  assert.deepEqual(statuses(o), ['weak:fail', 'nnp:pass', 'plain:fail']);
  assert.equal(o[0]!.severity, undefined, 'a disabled profile takes the rule severity');
  assert.equal(o[2]!.severity, 'low', 'only NNP missing');
  // the daemon default satisfies NNP
  const daemon = run('service-privileges', { services, version: v144, info: { SecurityOptions: ['name=no-new-privileges'] } }, sw28);
  assert.deepEqual(statuses(daemon), ['weak:fail', 'nnp:pass', 'plain:pass']);
  // API 1.41: cannot be set for services -> unknown (info), never pass
  const old = run('service-privileges', { services: [svc('plain', {})], version: v141, info: {} }, sw28);
  assert.deepEqual(statuses(old), ['plain:unknown']);
  assert.equal(old[0]!.severity, 'info');
  assert.match(old[0]!.message, /before API 1\.44/);
  assert.deepEqual(statuses(run('service-privileges', { services: [svc('plain', {})] }, sw28)), ['plain:unknown'], 'no /version: unknown');
  // SELinux (API 1.41 has SELinuxContext)
  const se = [svc('ctx', { Privileges: { SELinuxContext: { Type: 'svirt_lxc_net_t' } } }), svc('off', { Privileges: { SELinuxContext: { Disable: true } } }), svc('none', {})];
  assert.deepEqual(statuses(run('service-privileges', { services: se, version: v141 }, { checks: ['selinux'] })), ['ctx:pass', 'off:fail', 'none:fail']);
  assert.deepEqual(statuses(run('service-privileges', {}, { checks: ['seccomp'] })), ['services:unknown']);
});

test('service-resources (SW-29): the worst missing item sets the severity', () => {
  const full = { Resources: { Limits: { MemoryBytes: 1, NanoCPUs: 1, Pids: 1 } } };
  const services = [
    svc('full', { ReadOnly: true }, full),
    svc('cpu', { ReadOnly: true }, { Resources: { Limits: { MemoryBytes: 1, Pids: 1 } } }),
    svc('bare', {}),
  ];
  const o = run('service-resources', { services }, { memory: 'medium', pids: 'medium', cpu: 'low', readOnly: 'low' });
  assert.deepEqual(statuses(o), ['full:pass', 'cpu:fail', 'bare:fail']);
  assert.deepEqual(o.map((x) => x.severity), [undefined, 'low', 'medium']);
  assert.deepEqual(statuses(run('service-resources', {}, { memory: 'medium', pids: 'medium', cpu: 'low', readOnly: 'low' })), ['services:unknown']);
});

test('service-manager-placement (SW-31): pinned or global on managers; critical with the runtime mounted', () => {
  const sock = { Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }] };
  const services = [
    svc('pinned', {}, { Placement: { Constraints: ['node.role == manager'] } }),
    svc('agent', sock, { Placement: { Constraints: ['node.role!=worker'] } }),
    svc('global', {}, {}, { Mode: { Global: {} } }),
    svc('global-workers', {}, { Placement: { Constraints: ['node.role==worker'] } }, { Mode: { Global: {} } }),
    svc('free', {}),
  ];
  const p = { criticalPaths: ['/var/run'], criticalBasenames: ['docker.sock'] };
  const o = run('service-manager-placement', { services }, p);
  assert.deepEqual(statuses(o), ['pinned:fail', 'agent:fail', 'global:fail', 'global-workers:pass', 'free:pass']);
  assert.deepEqual(o.map((x) => x.severity), [undefined, 'critical', undefined, undefined, undefined]);
  assert.deepEqual(statuses(run('service-manager-placement', {}, p)), ['services:unknown']);
});

test('service-port-interfaces (CIS 5.14) and service-ports below 65536 (CIS 5.9)', () => {
  const services = [{ ID: 'p', Spec: { Name: 'p', EndpointSpec: { Ports: [{ PublishedPort: 8080, TargetPort: 80 }] } } }, svc('q', {})];
  const o = run('service-port-interfaces', { services });
  assert.deepEqual(statuses(o), ['p:fail', 'q:pass']);
  assert.match(o[0]!.message, /HostIP|host IP/);
  assert.deepEqual(statuses(run('service-ports', { services }, { below: 65536 })), ['p:fail', 'q:pass']);
  assert.deepEqual(statuses(run('service-port-interfaces', {})), ['services:unknown']);
});

test('overlay-encryption with SW-13 params: unused overlays and ingress get their own severities', () => {
  const networks = [
    { Name: 'ingress', Id: 'i', Driver: 'overlay', Ingress: true, Options: {} },
    { Name: 'used', Id: 'u', Driver: 'overlay', Options: {} },
    { Name: 'idle', Id: 'd', Driver: 'overlay', Options: {} },
  ];
  const services = [svc('s', {}, { Networks: [{ Target: 'u' }] })];
  const o = run('overlay-encryption', { networks, services }, { ingressSeverity: 'medium', unusedSeverity: 'low', unusedIngressSeverity: 'info' });
  assert.deepEqual(statuses(o), ['ingress:fail', 'used:fail', 'idle:fail']);
  assert.deepEqual(o.map((x) => x.severity), ['info', undefined, 'low']);
});

test('service-capabilities requireDropAll (SW-24): no drop ALL is low', () => {
  const services = [svc('nodrop', {}), svc('drop', { CapabilityDrop: ['ALL'], CapabilityAdd: ['NET_BIND_SERVICE'] }), svc('bad', { CapabilityDrop: ['ALL'], CapabilityAdd: ['SYS_ADMIN'] })];
  const o = run('service-capabilities', { services }, { deny: ['SYS_ADMIN'], requireDropAll: true });
  assert.deepEqual(statuses(o), ['nodrop:fail', 'drop:pass', 'bad:fail']);
  assert.deepEqual(o.map((x) => x.severity), ['low', undefined, undefined]);
});

const WORKER = `SWMTKN-1-${'3'.repeat(50)}-${'w'.repeat(25)}`;
const MANAGER = `SWMTKN-1-${'3'.repeat(50)}-${'m'.repeat(25)}`;
const OTHER = `SWMTKN-1-${'4'.repeat(50)}-${'x'.repeat(25)}`;
const swarmWith = (w = WORKER, m = MANAGER) => ({ ID: 'clu1', JoinTokens: { Worker: w, Manager: m }, Spec: { EncryptionConfig: { AutoLockManagers: true } } });
const JT = { workerMaxDays: 90, managerMaxDays: 30, workerSeverity: 'medium', managerSeverity: 'high', staleLeakSeverity: 'low' };

test('join-token-age (SW-10): unknown without history or on the first value, pass after an observed rotation, fail when old', () => {
  const fp = { 'worker-token': sha256Hex(WORKER), 'manager-token': sha256Hex(MANAGER) };
  const base = { swarm: swarmWith(), services: [], configs: [] };
  // no history: unknown with the reason, never pass
  const none = run('join-token-age', base, JT);
  assert.deepEqual(statuses(none), ['join-token-worker:unknown', 'join-token-manager:unknown', 'join-token-leaks:pass']);
  assert.match(none[0]!.message, /no rotation history/);
  // first sighting: only a lower bound on the age
  const h0 = advanceHistory(undefined, 'clu1', fp, days(-10));
  assert.deepEqual(statuses(run('join-token-age', base, JT, NOW, h0)).slice(0, 2), ['join-token-worker:unknown', 'join-token-manager:unknown']);
  // the lower bound alone can exceed the limit
  const h1 = advanceHistory(undefined, 'clu1', fp, days(-40));
  const o1 = run('join-token-age', base, JT, NOW, h1);
  assert.deepEqual(statuses(o1).slice(0, 2), ['join-token-worker:unknown', 'join-token-manager:fail']);
  assert.equal(o1[1]!.severity, 'high');
  // an observed rotation gives a known age
  const rotated = `SWMTKN-1-${'3'.repeat(50)}-${'r'.repeat(25)}`;
  const h2 = advanceHistory(h1, 'clu1', { ...fp, 'worker-token': sha256Hex(rotated) }, days(-5));
  const o2 = run('join-token-age', { ...base, swarm: swarmWith(rotated) }, JT, NOW, h2);
  assert.deepEqual(statuses(o2).slice(0, 2), ['join-token-worker:pass', 'join-token-manager:fail']);
  const o3 = run('join-token-age', { ...base, swarm: swarmWith(rotated) }, JT, days(100), h2);
  assert.equal(o3[0]!.status, 'fail');
  assert.equal(o3[0]!.severity, 'medium');
  // a token the history never saw
  assert.equal(run('join-token-age', { ...base, swarm: swarmWith(OTHER) }, JT, NOW, h2)[0]!.status, 'unknown');
  // not a manager
  assert.deepEqual(statuses(run('join-token-age', {}, JT)), ['join-token-worker:unknown', 'join-token-manager:unknown', 'join-token-leaks:unknown']);
});

test('join-token-age (SW-10): a current token in env, labels or configs is critical; snapshots keep no token', () => {
  const services = [
    svc('envy', { Env: [`JOIN=${WORKER}`, 'MODE=x'] }),
    svc('label', { Labels: { note: `use ${MANAGER} to join` } }),
    svc('stale', { Env: [`OLD=${OTHER}`] }),
    svc('clean', { Env: ['A=b'] }),
  ];
  const configs = [{ ID: 'c1', Spec: { Name: 'bootstrap', Data: Buffer.from(`token: ${WORKER}\n`).toString('base64') } }];
  const s = snap({ swarm: swarmWith(), services, configs });
  const text = JSON.stringify(s);
  for (const t of [WORKER, MANAGER, OTHER]) assert.ok(!text.includes(t.slice(-25)), 'no token secret in the snapshot');
  const o = RULE_KINDS.get('join-token-age')!.evaluate(s.facts, JT, NOW).slice(2);
  assert.deepEqual(statuses(o), ['envy:fail', 'label:fail', 'stale:fail', 'bootstrap:fail']);
  assert.deepEqual(o.map((x) => x.severity), ['critical', 'critical', 'low', 'critical']);
  assert.match(o[1]!.message, /manager join token/);
});

test('unlock-key-age (SW-12): from the key fingerprint history; autolock off has no key', () => {
  const key = 'SWMKEY-1-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const swarm = { ID: 'clu1', UnlockKey: key, Spec: { EncryptionConfig: { AutoLockManagers: true } } };
  const s = snap({ swarm });
  assert.ok(!JSON.stringify(s).includes(key), 'the unlock key is reduced to its sha256');
  const fp = sha256Hex(key);
  const h = advanceHistory(advanceHistory(undefined, 'clu1', { 'unlock-key': sha256Hex('older') }, days(-200)), 'clu1', { 'unlock-key': fp }, days(-100));
  assert.equal(run('unlock-key-age', { swarm }, { maxDays: 90 }, NOW, h)[0]!.status, 'fail');
  assert.equal(run('unlock-key-age', { swarm }, { maxDays: 90 }, days(-50), h)[0]!.status, 'pass');
  assert.equal(run('unlock-key-age', { swarm }, { maxDays: 90 })[0]!.status, 'unknown', 'no history');
  assert.equal(run('unlock-key-age', { swarm: { ...swarm, UnlockKey: undefined, UnlockKeyUnavailable: 'GET /swarm/unlockkey failed: x' } }, { maxDays: 90 }, NOW, h)[0]!.status, 'unknown');
  assert.equal(run('unlock-key-age', { swarm: { ID: 'clu1', Spec: { EncryptionConfig: { AutoLockManagers: false } } } }, { maxDays: 90 })[0]!.status, 'pass');
  assert.equal(run('unlock-key-age', {}, { maxDays: 90 })[0]!.status, 'unknown');
});

test('ca-rotation (SW-08): a rotation is stuck only past stuckAfterMinutes, timed by the history', () => {
  const swarm = { ID: 'clu1', RootRotationInProgress: true, TLSInfo: { TrustRoot: rootPem, CertIssuerPublicKey: 'K1' } };
  const nodes = [{ ID: 'b', Description: { Hostname: 'b', TLSInfo: { CertIssuerPublicKey: 'K0' } } }];
  const young = new Date(Date.parse(root.validFrom) + 10 * DAY);
  const p = { maxAgeDays: 365, ageSeverity: 'low', stuckAfterMinutes: 60 };
  const h = advanceHistory(undefined, 'clu1', {}, new Date(young.getTime() - 30 * 60_000), true);
  assert.equal(h.rootRotationSince, new Date(young.getTime() - 30 * 60_000).toISOString());
  const fresh = run('ca-rotation', { swarm, nodes }, p, young, h);
  assert.deepEqual(statuses(fresh), ['cluster:pass', 'ca-rotation:pass'], 'half an hour in: stragglers are expected');
  assert.match(fresh[1]!.message, /1 node\(s\) still on the old issuer: b/);
  const stuck = run('ca-rotation', { swarm, nodes }, p, new Date(young.getTime() + 3 * 3_600_000), h);
  assert.deepEqual(statuses(stuck), ['cluster:pass', 'ca-rotation:fail', 'ca-rotation:fail']);
  assert.equal(stuck[1]!.severity, 'medium');
  assert.deepEqual(statuses(run('ca-rotation', { swarm, nodes }, p, young)), ['cluster:pass', 'ca-rotation:fail', 'ca-rotation:fail'], 'no history: no start time');
  // the start is kept while the rotation lasts and cleared when it ends
  const h2 = advanceHistory(h, 'clu1', {}, young, true);
  assert.equal(h2.rootRotationSince, h.rootRotationSince);
  assert.equal(advanceHistory(h2, 'clu1', {}, young, undefined).rootRotationSince, h.rootRotationSince);
  assert.equal(advanceHistory(h2, 'clu1', {}, young, false).rootRotationSince, undefined);
});

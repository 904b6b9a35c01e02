/**
 * A synthetic swarm snapshot for the audit benchmark: N nodes (managers
 * included), services and tasks shaped like Engine API 1.41 answers (the
 * fields and nesting of the captured fixtures and of a real 20.10 engine),
 * randomised but deterministic for a seed.
 */
import { emptyFacts, normalizeFacts, SNAPSHOT_FORMAT, type Snapshot } from '../src/audit/snapshot.js';

function rng(seed: number): () => number {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B36 = '0123456789abcdefghijklmnopqrstuvwxyz';

export function syntheticSwarm(opts: { nodes: number; managers: number; services: number; tasksPerService: number; seed: number }): Snapshot {
  const r = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const id = (n = 25): string => Array.from({ length: n }, () => B36[Math.floor(r() * 36)]).join('');
  const hex = (n = 64): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const ts = (): string => new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 300 * 86_400_000)).toISOString().replace('Z', '123456789Z');
  const clusterId = id();
  const issuerKey = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + Buffer.from(hex(64), 'hex').toString('base64');
  const tlsInfo = { TrustRoot: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n', CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh', CertIssuerPublicKey: issuerKey };
  const versions = ['20.10.24', '20.10.23', '23.0.3', '24.0.7', '24.0.9'];
  const nodes = Array.from({ length: opts.nodes }, (_, i) => {
    const manager = i < opts.managers;
    const addr = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return {
      ID: id(),
      Version: { Index: 1000 + i },
      CreatedAt: ts(),
      UpdatedAt: ts(),
      Spec: { Labels: { zone: pick(['a', 'b', 'c']) }, Role: manager ? 'manager' : 'worker', Availability: manager ? pick(['active', 'drain']) : 'active' },
      Description: {
        Hostname: `node-${i}`,
        Platform: { Architecture: 'x86_64', OS: 'linux' },
        Resources: { NanoCPUs: 4e9, MemoryBytes: 16_000_000_000 },
        Engine: {
          EngineVersion: pick(versions),
          Plugins: [
            { Type: 'Log', Name: 'json-file' }, { Type: 'Log', Name: 'local' }, { Type: 'Network', Name: 'bridge' }, { Type: 'Network', Name: 'host' },
            { Type: 'Network', Name: 'overlay' }, { Type: 'Volume', Name: 'local' },
          ],
        },
        TLSInfo: tlsInfo,
      },
      Status: { State: r() < 0.01 ? 'down' : 'ready', Addr: addr },
      ...(manager ? { ManagerStatus: { Leader: i === 0, Reachability: 'reachable', Addr: `${addr}:2377` } } : {}),
    };
  });
  const images = ['nginx:1.25', 'redis:7', 'busybox:latest', 'registry.example/app@sha256:' + hex(), 'postgres:16', 'example/api:2.3.1@sha256:' + hex()];
  const networks = Array.from({ length: 50 }, (_, i) => ({
    Name: i === 0 ? 'ingress' : `net-${i}`, Id: id(), Created: ts(), Scope: 'swarm', Driver: 'overlay', EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: `10.${100 + (i >> 8)}.${i & 255}.0/24`, Gateway: `10.${100 + (i >> 8)}.${i & 255}.1` }] },
    Internal: false, Attachable: r() < 0.2, Ingress: i === 0, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: null,
    Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(4096 + i), ...(r() < 0.5 ? { encrypted: '' } : {}) }, Labels: {},
  }));
  const services: unknown[] = [];
  const tasks: unknown[] = [];
  for (let i = 0; i < opts.services; i++) {
    const sid = id();
    const containerSpec = {
      Image: pick(images),
      Args: ['sleep', '1d'],
      Env: r() < 0.1 ? ['DB_PASSWORD=hunter2-' + i, 'MODE=prod'] : ['MODE=prod', 'TOKEN_FILE=/run/secrets/t'],
      Init: false,
      ...(r() < 0.5 ? { User: pick(['1000:1000', 'root', '0', 'app']) } : {}),
      ...(r() < 0.3 ? { ReadOnly: true } : {}),
      Mounts: r() < 0.05 ? [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }] : r() < 0.3 ? [{ Type: 'volume', Source: `data-${i}`, Target: '/data' }] : [],
      StopGracePeriod: 10_000_000_000,
      DNSConfig: {},
      Isolation: 'default',
      ...(r() < 0.3 ? { Healthcheck: { Test: ['CMD', 'true'], Interval: 30e9 } } : {}),
      ...(r() < 0.05 ? { CapabilityAdd: ['NET_ADMIN'] } : {}),
      ...(r() < 0.3 ? { Secrets: [{ File: { Name: 't', UID: '0', GID: '0', Mode: 292 }, SecretID: id(), SecretName: `s-${i}` }] } : {}),
    };
    const taskTemplate = {
      ContainerSpec: containerSpec,
      Resources: r() < 0.5 ? { Limits: { NanoCPUs: 5e8, MemoryBytes: 268_435_456, Pids: 100 }, Reservations: {} } : { Limits: {}, Reservations: {} },
      RestartPolicy: { Condition: 'any', Delay: 5e9, MaxAttempts: r() < 0.5 ? 0 : 5 },
      Placement: { Constraints: r() < 0.05 ? ['engine.labels.tier==db'] : ['node.role==worker'], Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
      Networks: [{ Target: networks[1 + Math.floor(r() * 49)]!.Id }],
      ForceUpdate: 0,
      Runtime: 'container',
    };
    const ports = r() < 0.2 ? [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: pick([80, 8080, 22, 5432, 30000 + (i % 2000)]), PublishMode: 'ingress' }] : [];
    services.push({
      ID: sid, Version: { Index: 5000 + i }, CreatedAt: ts(), UpdatedAt: ts(),
      Spec: {
        Name: `svc-${i}`, Labels: { team: pick(['a', 'b', 'c']) }, TaskTemplate: taskTemplate, Mode: { Replicated: { Replicas: opts.tasksPerService } },
        UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0, Order: 'stop-first' },
        RollbackConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0, Order: 'stop-first' },
        EndpointSpec: { Mode: 'vip', Ports: ports },
      },
      Endpoint: { Spec: { Mode: 'vip', Ports: ports }, Ports: ports, VirtualIPs: [{ NetworkID: taskTemplate.Networks[0]!.Target, Addr: `10.200.${i & 255}.${(i >> 8) & 255}/24` }] },
    });
    for (let s = 1; s <= opts.tasksPerService; s++) {
      const node = nodes[opts.managers + Math.floor(r() * (opts.nodes - opts.managers))]!;
      tasks.push({
        ID: id(), Version: { Index: 90000 + tasks.length }, CreatedAt: ts(), UpdatedAt: ts(), Labels: {},
        Spec: { ContainerSpec: containerSpec, Resources: taskTemplate.Resources, RestartPolicy: taskTemplate.RestartPolicy, Placement: taskTemplate.Placement, Networks: taskTemplate.Networks, ForceUpdate: 0 },
        ServiceID: sid, Slot: s, NodeID: node.ID,
        Status: { Timestamp: ts(), State: 'running', Message: 'started', ContainerStatus: { ContainerID: hex(), PID: 1000 + s, ExitCode: 0 }, PortStatus: {} },
        DesiredState: 'running',
        NetworksAttachments: [{ Network: { ID: taskTemplate.Networks[0]!.Target }, Addresses: [`10.201.${s & 255}.${tasks.length & 255}/24`] }],
      });
    }
  }
  const facts = emptyFacts('not in the synthetic snapshot');
  const set = (k: string, v: unknown): void => void ((facts as unknown as Record<string, unknown>)[k] = { data: v });
  set('info', {
    ID: id(), Driver: 'overlay2', LoggingDriver: 'json-file', LiveRestoreEnabled: false, Debug: false, ExperimentalBuild: false, ServerVersion: '20.10.24',
    SecurityOptions: ['name=seccomp,profile=default'], Warnings: null, Plugins: { Authorization: null },
    RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true } } },
    Swarm: { NodeID: nodes[0]!.ID, LocalNodeState: 'active', ControlAvailable: true, Nodes: opts.nodes, Managers: opts.managers },
  });
  set('version', { Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Components: [{ Name: 'Engine', Version: '20.10.24', Details: { Experimental: 'false' } }] });
  set('swarm', {
    ID: clusterId, Version: { Index: 10 }, CreatedAt: ts(), UpdatedAt: ts(),
    Spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 5 }, Raft: { SnapshotInterval: 10000, KeepOldSnapshots: 0, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1 }, Dispatcher: { HeartbeatPeriod: 5e9 }, CAConfig: { NodeCertExpiry: 7776000000000000 }, TaskDefaults: {}, EncryptionConfig: { AutoLockManagers: true } },
    TLSInfo: tlsInfo, RootRotationInProgress: false, DefaultAddrPool: ['10.0.0.0/8'], SubnetSize: 24, DataPathPort: 4789,
  });
  set('nodes', nodes);
  set('services', services);
  set('tasks', tasks);
  set('networks', networks);
  set('secrets', Array.from({ length: 200 }, (_, i) => ({ ID: id(), Version: { Index: i }, CreatedAt: ts(), UpdatedAt: ts(), Spec: { Name: `s-${i}`, Labels: {} } })));
  set('configs', Array.from({ length: 50 }, (_, i) => ({ ID: id(), Version: { Index: i }, CreatedAt: ts(), UpdatedAt: ts(), Spec: { Name: `c-${i}`, Labels: {}, Data: Buffer.from(i % 10 === 0 ? 'password=x' : 'key: value').toString('base64') } })));
  set('plugins', []);
  return { format: SNAPSHOT_FORMAT, source: `synthetic:${opts.nodes}-nodes`, facts: normalizeFacts(facts) };
}

/**
 * dockerd's options (20.10 and later): one row per option, naming its long
 * flag, short flag, daemon.json key and value type. The command-line parser,
 * the daemon.json checker and the merge all read this one table.
 */

/** How a flag's values are written on the command line. */
export type FlagType =
  | 'bool'
  | 'string'
  | 'int'
  /** repeatable (or comma-free) strings: --host, --insecure-registry ... */
  | 'list'
  /** repeatable key=value: --log-opt */
  | 'map'
  /** repeatable name=soft[:hard]: --default-ulimit */
  | 'ulimit'
  /** repeatable name=path: --add-runtime */
  | 'runtime';

/** The JSON type daemon.json must hold for the key. */
export type JsonType = 'boolean' | 'string' | 'integer' | 'string[]' | 'object' | 'object[]' | 'string-map';

export interface DaemonOption {
  flag: string;
  short?: string;
  /** daemon.json key; absent for flags without one (--config-file). */
  json?: string;
  type: FlagType;
  jsonType?: JsonType;
  /** The value dockerd uses when the option is set nowhere (only where a rule needs it). */
  default?: unknown;
}

const o = (flag: string, type: FlagType, extra: Partial<DaemonOption> = {}): DaemonOption => {
  const jsonType: JsonType = ({ bool: 'boolean', string: 'string', int: 'integer', list: 'string[]', map: 'string-map', ulimit: 'object', runtime: 'object' } as const)[type];
  return { flag, type, json: flag, jsonType, ...extra };
};

export const DAEMON_OPTIONS: readonly DaemonOption[] = [
  o('add-runtime', 'runtime', { json: 'runtimes' }),
  o('allow-nondistributable-artifacts', 'list'),
  o('api-cors-header', 'string'),
  o('authorization-plugin', 'list', { json: 'authorization-plugins', default: [] }),
  o('bip', 'string'),
  o('bridge', 'string', { short: 'b' }),
  o('cgroup-parent', 'string', { default: '' }),
  o('config-file', 'string', { json: undefined, jsonType: undefined, default: '/etc/docker/daemon.json' }),
  o('containerd', 'string'),
  o('containerd-namespace', 'string'),
  o('containerd-plugins-namespace', 'string'),
  o('cpu-rt-period', 'int'),
  o('cpu-rt-runtime', 'int'),
  o('cri-containerd', 'bool'),
  o('data-root', 'string', { default: '/var/lib/docker' }),
  // -g was --graph before --data-root; dockerd 20.10 still accepts --graph
  o('graph', 'string', { short: 'g', json: 'graph' }),
  o('debug', 'bool', { short: 'D', default: false }),
  o('default-address-pool', 'list', { json: 'default-address-pools', jsonType: 'object[]' }),
  o('default-cgroupns-mode', 'string'),
  o('default-gateway', 'string'),
  o('default-gateway-v6', 'string'),
  o('default-ipc-mode', 'string'),
  o('default-runtime', 'string'),
  o('default-shm-size', 'string'),
  o('default-ulimit', 'ulimit', { json: 'default-ulimits', default: {} }),
  o('dns', 'list'),
  o('dns-opt', 'list', { json: 'dns-opts' }),
  o('dns-search', 'list'),
  o('exec-opt', 'list', { json: 'exec-opts' }),
  o('exec-root', 'string', { default: '/var/run/docker' }),
  o('experimental', 'bool', { default: false }),
  o('fixed-cidr', 'string'),
  o('fixed-cidr-v6', 'string'),
  o('group', 'string', { short: 'G', default: 'docker' }),
  o('host', 'list', { short: 'H', json: 'hosts', default: [] }),
  o('host-gateway-ip', 'string'),
  o('icc', 'bool', { default: true }),
  o('init', 'bool'),
  o('init-path', 'string'),
  o('insecure-registry', 'list', { json: 'insecure-registries', default: [] }),
  o('ip', 'string'),
  o('ip-forward', 'bool', { default: true }),
  o('ip-masq', 'bool', { default: true }),
  o('ip6tables', 'bool'),
  o('iptables', 'bool', { default: true }),
  o('ipv6', 'bool'),
  o('label', 'list', { json: 'labels' }),
  o('live-restore', 'bool', { default: false }),
  o('log-driver', 'string'),
  o('log-level', 'string', { short: 'l', default: 'info' }),
  o('log-opt', 'map', { json: 'log-opts' }),
  o('max-concurrent-downloads', 'int'),
  o('max-concurrent-uploads', 'int'),
  o('max-download-attempts', 'int'),
  o('metrics-addr', 'string'),
  o('mtu', 'int'),
  o('network-control-plane-mtu', 'int'),
  o('no-new-privileges', 'bool', { default: false }),
  o('node-generic-resource', 'list', { json: 'node-generic-resources' }),
  o('oom-score-adjust', 'int'),
  o('pidfile', 'string', { short: 'p', default: '/var/run/docker.pid' }),
  o('raw-logs', 'bool'),
  o('registry-mirror', 'list', { json: 'registry-mirrors' }),
  o('rootless', 'bool'),
  o('seccomp-profile', 'string'),
  o('selinux-enabled', 'bool'),
  o('shutdown-timeout', 'int'),
  o('storage-driver', 'string', { short: 's' }),
  o('storage-opt', 'list', { json: 'storage-opts', default: [] }),
  o('swarm-default-advertise-addr', 'string'),
  o('tls', 'bool', { default: false }),
  o('tlscacert', 'string'),
  o('tlscert', 'string'),
  o('tlskey', 'string'),
  o('tlsverify', 'bool', { default: false }),
  o('userland-proxy', 'bool', { default: true }),
  o('userland-proxy-path', 'string'),
  o('userns-remap', 'string', { default: '' }),
  // not flags, daemon.json only
  { flag: '', json: 'features', type: 'string', jsonType: 'object' },
  { flag: '', json: 'builder', type: 'string', jsonType: 'object' },
  { flag: '', json: 'cluster-store', type: 'string', jsonType: 'string' },
  { flag: '', json: 'cluster-advertise', type: 'string', jsonType: 'string' },
  { flag: '', json: 'cluster-store-opts', type: 'map', jsonType: 'string-map' },
];

export const BY_FLAG: ReadonlyMap<string, DaemonOption> = new Map(DAEMON_OPTIONS.filter((x) => x.flag).map((x) => [x.flag, x]));
export const BY_SHORT: ReadonlyMap<string, DaemonOption> = new Map(DAEMON_OPTIONS.filter((x) => x.short).map((x) => [x.short!, x]));
export const BY_JSON: ReadonlyMap<string, DaemonOption> = new Map(DAEMON_OPTIONS.filter((x) => x.json).map((x) => [x.json!, x]));

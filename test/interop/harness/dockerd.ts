/**
 * A private dockerd per test: own data root, exec root, unix socket, pidfile,
 * config file and containerd, in its own mount namespace so nothing it mounts
 * outlives it. See docs/testing.md for why each flag is there.
 *
 * Swarm on one machine: SwarmKit's gossip port 7946 cannot be moved, but it is
 * bound to the --listen-addr IP, and Linux routes all of 127.0.0.0/8 to `lo`.
 * So every daemon gets its own loopback address (127.X.Y.Z) and several swarms,
 * or several nodes of one swarm, run side by side in one network namespace.
 *
 * Importing this module has no side effects.
 */
import { randomBytes, randomInt, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { dockerCliPath, findBinary, HARNESS_LIMITS } from './interop.js';
import {
  freePort,
  makeTempDir,
  pidMatches,
  runCommand,
  startProcess,
  waitFor,
  type CommandResult,
  type ManagedProcess,
} from './process.js';

/** Fixed facts about SwarmKit and dockerd 20.10 that the harness works around. */
const DOCKERD = Object.freeze({
  /** SwarmKit memberlist (gossip) port: not configurable, bound to the listen IP. */
  gossipPort: 7946,
  /** libnetwork attaches each node's ingress sandbox to a local network with this exact name. */
  gatewayNetworkName: 'docker_gwbridge',
  /** Linux interface names are at most 15 bytes. */
  bridgePrefix: 'sgdgw',
  /** Gateway-bridge subnets come from the benchmarking range (RFC 2544), one /28 per daemon. */
  gatewayPoolBase: 198 * 2 ** 24 + 18 * 2 ** 16,
  gatewayPoolBlocks: 8192,
  gatewayBlockSize: 16,
  /** Loopback addresses are drawn from 127.16.0.1 to 127.254.255.254, away from 127.0.0.x. */
  loopbackSecondOctet: [16, 254] as const,
  addressAttempts: 50,
  /** Flags added only when this dockerd knows them. */
  optionalFlags: ['--ip6tables=false'],
});

export type DockerdNetwork =
  /** The test's own network namespace: the daemon can reach, and be reached by, anything on loopback. */
  | 'host'
  /** A fresh network namespace with only `lo`; not reachable from the test process except over the unix socket. */
  | 'isolated'
  /** The network namespace of another harness daemon (for multi-node swarms in an isolated namespace). */
  | { shareWith: DockerdHandle };

export interface StartDockerdOptions {
  /** Root for socket, data and exec dirs; keep it short (unix socket path limit). A fresh /tmp/sgd-XXXXXX when absent. */
  tmp?: string;
  network?: DockerdNetwork;
  /** Loopback IP for swarm listen/advertise (and gossip); a random free 127.X.Y.Z when absent. */
  address?: string;
  /** Extra dockerd flags. */
  extraArgs?: readonly string[];
  readyTimeoutMs?: number;
}

export interface SwarmCertificatePaths {
  dir: string;
  /** Leaf certificate (PEM), subject O=<cluster>, OU=swarm-manager|swarm-worker, CN=<node>. */
  nodeCert: string;
  /** Trust root bundle (PEM). */
  rootCa: string;
  /** Node key (PEM; encrypted with PEM headers when autolock is on). */
  nodeKey: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T = unknown>(): T;
}

export interface SwarmNode {
  nodeId: string;
  clusterId: string;
  /** `IP:PORT` given to --listen-addr and --advertise-addr. */
  addr: string;
  /** Join tokens; only a manager can read them, so empty on a worker. */
  workerToken: string;
  managerToken: string;
  /** Wall time of the `docker swarm init|join` command. */
  elapsedMs: number;
}

export interface SwarmInitOptions {
  /** Port for --listen-addr/--advertise-addr (the manager's 2377); a free one when absent. */
  listenPort?: number;
  /** Extra `docker swarm init` flags, e.g. ['--autolock', '--cert-expiry', '1h']. */
  extraArgs?: readonly string[];
}

export interface SwarmJoinOptions {
  /** `IP:PORT` of a manager, e.g. the `addr` from its swarmInit(). */
  remoteAddr: string;
  token: string;
  listenPort?: number;
  extraArgs?: readonly string[];
}

export interface DockerOptions {
  input?: string;
  timeoutMs?: number;
  /** Throw (with stderr) when the exit code is not 0. */
  check?: boolean;
}

export interface DockerdHandle {
  readonly pid: number;
  readonly tmp: string;
  /** Path of the unix socket; `host` is the `unix://` URL for -H / DOCKER_HOST. */
  readonly socket: string;
  readonly host: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  /** This daemon's loopback IP for swarm traffic. */
  readonly address: string;
  readonly network: 'host' | 'isolated';
  /** PID whose network namespace this daemon lives in (undefined on the host namespace). */
  readonly netnsPid: number | undefined;
  readonly certificates: SwarmCertificatePaths;
  /** Milliseconds from spawn to a successful /_ping. */
  readonly startMs: number;
  readonly process: ManagedProcess;
  /** Runs the docker CLI against this daemon, with a private, empty CLI config. */
  docker(args: readonly string[], options?: DockerOptions): Promise<CommandResult>;
  /** Engine API over the unix socket, e.g. api('GET', '/v1.41/swarm'). */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  swarmInit(options?: SwarmInitOptions): Promise<SwarmNode>;
  swarmJoin(options: SwarmJoinOptions): Promise<SwarmNode>;
  swarmLeave(options?: { force?: boolean }): Promise<void>;
  /** Wraps a command so it runs in this daemon's network namespace (a no-op on the host namespace). */
  inNetns(command: string, args: readonly string[]): { command: string; args: string[] };
  /** SIGTERM (SIGKILL after the grace period), then waits for its containerd and removes its gateway bridge. */
  stop(): Promise<void>;
}

/**
 * Starts dockerd as root with its own sockets and dirs and waits until
 * `GET /_ping` answers. Stopped automatically by an `after()` hook.
 */
export async function startDockerd(options: StartDockerdOptions = {}): Promise<DockerdHandle> {
  const dockerd = findBinary('dockerd');
  const unshare = findBinary('unshare');
  if (!dockerd || !unshare) throw new Error('startDockerd needs dockerd and unshare; gate the test with requireDockerd(t)');
  const cli = dockerCliPath();
  if (!cli) throw new Error(`no docker CLI found (set ${HARNESS_LIMITS.dockerCliEnvVar}); gate the test with requireDockerd(t)`);

  const tmp = options.tmp ?? (await makeTempDir());
  const id = randomBytes(4).toString('hex');
  const socket = join(tmp, 'docker.sock');
  const dataRoot = join(tmp, 'data');
  const execRoot = join(tmp, 'exec');
  const configFile = join(tmp, 'daemon.json');
  const cliConfig = join(tmp, 'cli');
  if (Buffer.byteLength(join(execRoot, 'containerd', 'containerd.sock.ttrpc')) >= 100) {
    throw new Error(`temp dir ${tmp} is too long for unix socket paths (limit 108 bytes); use a short one under /tmp`);
  }
  await mkdir(cliConfig, { recursive: true });
  // An explicit, empty config file: never pick up the machine's /etc/docker/daemon.json.
  await writeFile(configFile, '{}\n');

  const networkOption = options.network ?? 'host';
  const network: 'host' | 'isolated' = networkOption === 'host' ? 'host' : 'isolated';
  const shareWith = typeof networkOption === 'object' ? networkOption.shareWith : undefined;
  if (shareWith && !shareWith.process.running()) throw new Error('shareWith: that daemon has stopped, its namespace may be gone');
  const address = options.address ?? (await pickLoopbackAddress(network === 'host'));

  const dockerdArgs = [
    '--config-file', configFile,
    '--data-root', dataRoot,
    '--exec-root', execRoot,
    '--pidfile', join(tmp, 'docker.pid'),
    '-H', `unix://${socket}`,
    // If a system containerd is running, dockerd uses it instead of starting its
    // own; distinct namespaces keep several daemons from seeing each other's objects.
    '--containerd-namespace', `sgd-${id}`,
    '--containerd-plugins-namespace', `sgd-${id}-plugins`,
    // Touch nothing shared on the host: no iptables, no docker0, no sysctls.
    '--iptables=false', '--ip-forward=false', '--ip-masq=false',
    '--bridge=none', '--userland-proxy=false',
    // Works on any file system and needs no kernel modules.
    '--storage-driver=vfs',
    ...(await supportedOptionalFlags(dockerd)),
    ...(options.extraArgs ?? []),
  ];

  // unshare --mount: every mount dockerd makes (its data root, the netns bind
  // mounts of ingress/overlay sandboxes) disappears with its mount namespace.
  // Neither unshare, sh nor nsenter fork here, so the PID we get is dockerd's.
  let command: string;
  let args: string[];
  if (network === 'host') {
    [command, args] = [unshare, ['--mount', '--propagation', 'private', '--', dockerd, ...dockerdArgs]];
  } else if (shareWith) {
    const nsenter = findBinary('nsenter');
    if (!nsenter) throw new Error('shareWith needs nsenter (util-linux)');
    [command, args] = [
      nsenter,
      [`--net=/proc/${shareWith.netnsPid ?? shareWith.pid}/ns/net`, '--', unshare, '--mount', '--propagation', 'private', '--', dockerd, ...dockerdArgs],
    ];
  } else {
    const ip = findBinary('ip');
    if (!ip) throw new Error("network 'isolated' needs ip (iproute2)");
    [command, args] = [
      unshare,
      ['--mount', '--net', '--propagation', 'private', '--', '/bin/sh', '-c', `${ip} link set lo up && exec "$@"`, 'sgd-netns', dockerd, ...dockerdArgs],
    ];
  }

  const bridgeName = `${DOCKERD.bridgePrefix}${id}`;
  const containerdPidFile = join(execRoot, 'containerd', 'containerd.pid');
  const started = Date.now();
  let netnsPid: number | undefined;

  const ownContainerdPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(containerdPidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && pidMatches(pid, execRoot) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const deleteBridgeSync = (): void => {
    // Only on the host namespace; an isolated namespace takes its bridge with it.
    if (network !== 'host') return;
    try {
      execFileSync(findBinary('ip') ?? 'ip', ['link', 'del', bridgeName], { stdio: 'ignore' });
    } catch {
      // Not created, or already gone.
    }
  };

  const proc = await startProcess({
    name: 'dockerd',
    command,
    args,
    env: daemonEnv(),
    tmp,
    ready: {
      probe: async () => (await apiRequest(socket, 'GET', '/_ping', undefined, 2_000)).status === 200,
      timeoutMs: options.readyTimeoutMs ?? HARNESS_LIMITS.readyTimeoutMs,
    },
    afterExit: async () => {
      // dockerd's containerd gets SIGKILL when dockerd dies (parent-death signal);
      // wait for it so nothing writes into the dir while it is removed.
      const pid = ownContainerdPid();
      if (pid !== undefined) {
        try {
          await waitFor(async () => !pidMatches(pid, execRoot), { timeoutMs: 5_000, intervalMs: 50, what: `containerd ${pid} to exit` });
        } catch {
          // Started by our dockerd (its command line names our exec root), so ours to kill.
          if (pidMatches(pid, execRoot)) process.kill(pid, 'SIGKILL');
        }
      }
      deleteBridgeSync();
    },
    afterExitSync: () => {
      const pid = ownContainerdPid();
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      deleteBridgeSync();
    },
  });
  const startMs = Date.now() - started;
  if (network !== 'host') netnsPid = shareWith ? (shareWith.netnsPid ?? shareWith.pid) : proc.pid;

  const docker = async (dockerArgs: readonly string[], dockerOptions: DockerOptions = {}): Promise<CommandResult> => {
    const result = await runCommand(cli, ['-H', `unix://${socket}`, ...dockerArgs], {
      env: cliEnv(cliConfig),
      input: dockerOptions.input,
      timeoutMs: dockerOptions.timeoutMs,
    });
    if (dockerOptions.check && result.code !== 0) {
      throw new Error(`docker ${dockerArgs.join(' ')} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);
    }
    return result;
  };

  // Give this daemon its own gateway bridge (uniquely named, own /28) before any
  // swarm exists, so concurrent daemons never share or fight over docker_gwbridge.
  const subnet = pickGatewaySubnet();
  await docker(
    [
      'network', 'create', '--driver', 'bridge', '--scope', 'local',
      '--subnet', subnet.cidr, '--gateway', subnet.gateway,
      '--opt', `com.docker.network.bridge.name=${bridgeName}`,
      '--opt', 'com.docker.network.bridge.enable_ip_masquerade=false',
      '--opt', 'com.docker.network.bridge.enable_icc=false',
      DOCKERD.gatewayNetworkName,
    ],
    { check: true },
  );

  const certDir = join(dataRoot, 'swarm', 'certificates');
  const certificates: SwarmCertificatePaths = {
    dir: certDir,
    nodeCert: join(certDir, 'swarm-node.crt'),
    rootCa: join(certDir, 'swarm-root-ca.crt'),
    nodeKey: join(certDir, 'swarm-node.key'),
  };

  const swarmState = async (elapsedMs: number, addr: string): Promise<SwarmNode> => {
    const info = await docker(['info', '--format', '{{json .Swarm}}'], { check: true });
    const swarm = JSON.parse(info.stdout) as { NodeID?: string; ControlAvailable?: boolean; Cluster?: { ID?: string } | null };
    let workerToken = '';
    let managerToken = '';
    if (swarm.ControlAvailable) {
      workerToken = (await docker(['swarm', 'join-token', '-q', 'worker'], { check: true })).stdout.trim();
      managerToken = (await docker(['swarm', 'join-token', '-q', 'manager'], { check: true })).stdout.trim();
    }
    // A worker's info has no Cluster; its certificate's O field is the cluster ID.
    let clusterId = swarm.Cluster?.ID ?? '';
    await waitFor(async () => existsSync(certificates.nodeCert), { timeoutMs: 10_000, intervalMs: 50, what: 'swarm-node.crt' });
    if (!clusterId) clusterId = subjectField(await readFile(certificates.nodeCert, 'utf8'), 'O') ?? '';
    return { nodeId: swarm.NodeID ?? '', clusterId, addr, workerToken, managerToken, elapsedMs };
  };

  const handle: DockerdHandle = {
    pid: proc.pid,
    tmp,
    socket,
    host: `unix://${socket}`,
    dataRoot,
    execRoot,
    address,
    network,
    netnsPid,
    certificates,
    startMs,
    process: proc,
    docker,
    api: (method, path, body) => apiRequest(socket, method, path, body, HARNESS_LIMITS.apiTimeoutMs),
    async swarmInit(init: SwarmInitOptions = {}) {
      const addr = `${address}:${init.listenPort ?? (await freePortFor(network, address))}`;
      const t0 = Date.now();
      await docker(['swarm', 'init', '--listen-addr', addr, '--advertise-addr', addr, ...(init.extraArgs ?? [])], { check: true });
      return swarmState(Date.now() - t0, addr);
    },
    async swarmJoin(join: SwarmJoinOptions) {
      const addr = `${address}:${join.listenPort ?? (await freePortFor(network, address))}`;
      const t0 = Date.now();
      await docker(
        ['swarm', 'join', '--listen-addr', addr, '--advertise-addr', addr, '--token', join.token, ...(join.extraArgs ?? []), join.remoteAddr],
        { check: true },
      );
      return swarmState(Date.now() - t0, addr);
    },
    async swarmLeave(leave = {}) {
      await docker(['swarm', 'leave', ...(leave.force === false ? [] : ['--force'])], { check: true });
    },
    inNetns(cmd, cmdArgs) {
      if (netnsPid === undefined) return { command: cmd, args: [...cmdArgs] };
      return { command: findBinary('nsenter') ?? 'nsenter', args: [`--net=/proc/${netnsPid}/ns/net`, '--', cmd, ...cmdArgs] };
    },
    async stop() {
      await proc.stop();
    },
  };
  return handle;
}

/** startDockerd in a fresh network namespace (only `lo`); see DockerdNetwork. */
export function startDockerdInNetns(options: Omit<StartDockerdOptions, 'network'> = {}): Promise<DockerdHandle> {
  return startDockerd({ ...options, network: 'isolated' });
}

// ---------------------------------------------------------------------------
// Engine API over the unix socket

export function apiRequest(socketPath: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: {
          Host: 'docker',
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------
// Helpers

const DOCKER_CLIENT_ENV = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION', 'DOCKER_CONFIG'];

function cliEnv(configDir: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of DOCKER_CLIENT_ENV) delete env[name];
  // A private config dir: no contexts, credential helpers or plugins from ~/.docker.
  env.DOCKER_CONFIG = configDir;
  return env;
}

function daemonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of DOCKER_CLIENT_ENV) delete env[name];
  return env;
}

let optionalFlagsCache: Promise<string[]> | undefined;

async function supportedOptionalFlags(dockerd: string): Promise<string[]> {
  optionalFlagsCache ??= (async () => {
    const help = await runCommand(dockerd, ['--help'], { timeoutMs: 10_000 });
    const text = `${help.stdout}\n${help.stderr}`;
    return DOCKERD.optionalFlags.filter((flag) => text.includes(flag.split('=')[0] ?? flag));
  })();
  return optionalFlagsCache;
}

/**
 * A random 127.X.Y.Z whose gossip port is free (checked on the host namespace;
 * a fresh namespace has nothing bound anyway).
 */
async function pickLoopbackAddress(checkFree: boolean): Promise<string> {
  const [lo, hi] = DOCKERD.loopbackSecondOctet;
  for (let attempt = 0; attempt < DOCKERD.addressAttempts; attempt++) {
    const address = `127.${randomInt(lo, hi + 1)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!checkFree || (await gossipPortFree(address))) return address;
  }
  throw new Error(`no loopback address with a free port ${DOCKERD.gossipPort} after ${DOCKERD.addressAttempts} tries (is something bound to 0.0.0.0:${DOCKERD.gossipPort}?)`);
}

async function gossipPortFree(address: string): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(DOCKERD.gossipPort, address, () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const udp = createSocket('udp4');
    udp.unref();
    udp.once('error', () => {
      udp.close();
      resolve(false);
    });
    udp.bind(DOCKERD.gossipPort, address, () => udp.close(() => resolve(true)));
  });
}

async function freePortFor(network: 'host' | 'isolated', address: string): Promise<number> {
  // In an isolated namespace nothing else is bound; a port free on the host is as good as any.
  return freePort(network === 'host' ? address : '127.0.0.1');
}

function pickGatewaySubnet(): { cidr: string; gateway: string } {
  const used = Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => a !== undefined && a.family === 'IPv4')
    .map((a) => ipToInt(a.address));
  for (let attempt = 0; attempt < DOCKERD.addressAttempts; attempt++) {
    const base = DOCKERD.gatewayPoolBase + randomInt(0, DOCKERD.gatewayPoolBlocks) * DOCKERD.gatewayBlockSize;
    if (used.some((ip) => ip >= base && ip < base + DOCKERD.gatewayBlockSize)) continue;
    return { cidr: `${intToIp(base)}/28`, gateway: intToIp(base + 1) };
  }
  throw new Error('no free /28 for the gateway bridge in 198.18.0.0/15');
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** One attribute (O, OU, CN) of a PEM certificate's subject. */
export function subjectField(pem: string, name: string): string | undefined {
  const prefix = `${name}=`;
  return new X509Certificate(pem).subject
    .split('\n')
    .find((line) => line.startsWith(prefix))
    ?.slice(prefix.length);
}

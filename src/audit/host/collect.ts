/**
 * Collect host facts: the daemon's process and flags, daemon.json, the
 * effective settings, owners and modes of the CIS section 3 files (resolved
 * from the real settings, not fixed paths), listening sockets in the daemon's
 * network namespace, and the local swarm state. All IO goes through a
 * HostReader, so tests point it at a fixture tree.
 */
import * as path from 'node:path';
import { InputError, isSwarmguardError } from '../../errors.js';
import { parseDockerdArgs, splitCmdline } from './cmdline.js';
import { parseDaemonJson } from './daemon-json.js';
import { pidFromPidfile, socketInodes, socketOwner } from './process.js';
import { listeners, parseProcNetInet } from './proc-net.js';
import { fsReader, type HostReader } from './reader.js';
import { scrub } from './redact.js';
import { mergeSettings } from './settings.js';
import { summarizeNodeCert, summarizeNodeKey } from './swarm-files.js';
import type { DaemonProcess, FileFact, FileRole, HostFacts, ListeningSocket, Setting, SwarmStateFacts } from './types.js';

export interface HostCollectOptions {
  reader?: HostReader;
  /** The unix socket the audit talks to: its owner is the daemon. */
  socketPath?: string;
  /** The daemon's pidfile (wins over the socket owner). */
  pidfile?: string;
  /** Overrides of what the daemon's flags say. */
  configFile?: string;
  dataRoot?: string;
  execRoot?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/docker/daemon.json';
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
const ROOT_TLS_DEFAULTS = { tlscacert: '/root/.docker/ca.pem', tlscert: '/root/.docker/cert.pem', tlskey: '/root/.docker/key.pem' } as const;
const SYSTEM_CONTAINERD_SOCK = '/run/containerd/containerd.sock';

const str = (s: Setting | undefined): string | undefined => (typeof s?.value === 'string' && s.value !== '' ? s.value : undefined);
const why = (e: unknown): string => (isSwarmguardError(e) ? e.message : `${(e as NodeJS.ErrnoException).code ?? 'EIO'}: ${(e as Error).message}`);

async function findDaemon(r: HostReader, o: HostCollectOptions): Promise<DaemonProcess | { unavailable: string }> {
  let found: { pid: number; foundBy: string } | { unavailable: string };
  if (o.pidfile !== undefined) {
    const pid = await pidFromPidfile(r, o.pidfile);
    found = { pid, foundBy: `pidfile ${o.pidfile}` };
    if (o.socketPath !== undefined) {
      // the pidfile must name the daemon we audit, not another one on the machine
      const owner = await socketOwner(r, o.socketPath);
      if ('pid' in owner && owner.pid !== pid) {
        throw new InputError('ERR_AUDIT_HOST_PIDFILE', `pidfile ${o.pidfile} names PID ${pid}, but the audited socket ${o.socketPath} belongs to PID ${owner.pid}; give the pidfile of that daemon`);
      }
    }
  } else if (o.socketPath !== undefined) found = await socketOwner(r, o.socketPath);
  else found = { unavailable: 'the engine is not a local unix socket and no --pidfile was given' };
  if ('unavailable' in found) return found;
  const raw = await r.read(`/proc/${found.pid}/cmdline`).catch(() => undefined);
  if (!raw || raw.length === 0) return { unavailable: `cannot read /proc/${found.pid}/cmdline (found by ${found.foundBy})` };
  return { ...found, argv: splitCmdline(raw) };
}

async function files(r: HostReader, role: FileRole, paths: string[]): Promise<[FileRole, FileFact[]]> {
  return [role, await Promise.all([...new Set(paths)].map((p) => r.stat(p)))];
}

async function firstExisting(r: HostReader, candidates: string[]): Promise<FileFact[]> {
  const facts = await Promise.all(candidates.map((p) => r.stat(p)));
  const hit = facts.find((f) => f.exists);
  return hit ? [hit] : facts;
}

async function registryCerts(r: HostReader): Promise<FileFact[]> {
  const base = '/etc/docker/certs.d';
  const out: FileFact[] = [];
  for (const host of await r.list(base)) {
    for (const f of await r.list(`${base}/${host}`)) if (f.endsWith('.crt')) out.push(await r.stat(`${base}/${host}/${f}`));
  }
  return out;
}

function unixHosts(settings: Record<string, Setting>, audited?: string): string[] {
  const hosts = Array.isArray(settings.hosts?.value) ? (settings.hosts.value as unknown[]).filter((h): h is string => typeof h === 'string') : [];
  const paths = hosts.filter((h) => h.startsWith('unix://')).map((h) => h.slice('unix://'.length) || '/var/run/docker.sock');
  if (hosts.length === 0) paths.push('/var/run/docker.sock');
  if (audited) paths.push(audited);
  return paths;
}

async function listening(r: HostReader, daemon: DaemonProcess | { unavailable: string }): Promise<ListeningSocket[] | { unavailable: string }> {
  // the daemon's own network namespace: swarm ports are bound there
  const base = 'pid' in daemon ? `/proc/${daemon.pid}/net` : '/proc/net';
  const mine = 'pid' in daemon ? await socketInodes(r, daemon.pid) : new Set<number>();
  const out: ListeningSocket[] = [];
  let readAny = false;
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const text = (await r.read(`${base}/${proto}`).catch(() => undefined))?.toString('utf8');
    if (text === undefined) continue;
    readAny = true;
    for (const s of listeners(proto, parseProcNetInet(text))) out.push({ proto, address: s.address, port: s.port, inode: s.inode, daemon: mine.has(s.inode) });
  }
  return readAny ? out : { unavailable: `cannot read ${base}/{tcp,tcp6,udp,udp6}` };
}

async function swarmState(r: HostReader, dataRoot: string, execRoot: string): Promise<SwarmStateFacts> {
  const dir = path.posix.join(dataRoot, 'swarm');
  const certPath = path.posix.join(dir, 'certificates', 'swarm-node.crt');
  const keyPath = path.posix.join(dir, 'certificates', 'swarm-node.key');
  const out: SwarmStateFacts = { dataRoot, execRoot, dir: await r.stat(dir), controlSock: await r.stat(path.posix.join(execRoot, 'swarm', 'control.sock')) };
  try {
    const pem = await r.read(certPath);
    if (pem) out.nodeCert = { path: certPath, ...summarizeNodeCert(pem.toString('utf8'), certPath) };
  } catch (e) {
    out.nodeCert = { path: certPath, unavailable: why(e) };
  }
  try {
    const pem = await r.read(keyPath);
    if (pem) out.nodeKey = { path: keyPath, file: await r.stat(keyPath), ...summarizeNodeKey(pem.toString('utf8'), keyPath) };
  } catch (e) {
    out.nodeKey = { path: keyPath, unavailable: why(e) };
  }
  return out;
}

export async function collectHostFacts(o: HostCollectOptions = {}): Promise<HostFacts> {
  const r = o.reader ?? fsReader('/');
  const daemon = await findDaemon(r, o);
  const parsed = 'argv' in daemon ? parseDockerdArgs(daemon.argv) : { flags: {}, unrecognized: [] };
  const cfgFlag = parsed.flags['config-file'];
  const cfgPath = o.configFile ?? cfgFlag?.[cfgFlag.length - 1] ?? DEFAULT_CONFIG_FILE;
  const configFile: HostFacts['configFile'] = { path: cfgPath, file: await r.stat(cfgPath), loaded: false };
  let fileValues: Record<string, unknown> | undefined;
  let unknownConfigKeys: string[] = [];
  try {
    const text = await r.read(cfgPath);
    if (text !== undefined) {
      const dj = parseDaemonJson(text.toString('utf8'), cfgPath);
      fileValues = dj.values;
      unknownConfigKeys = dj.unknownKeys;
      configFile.loaded = true;
    }
  } catch (e) {
    // given by the user: their input is wrong (exit 2); found on the host: a fact to report
    if (o.configFile !== undefined && isSwarmguardError(e)) throw e;
    configFile.error = why(e);
  }
  const { settings, conflicts } = mergeSettings(parsed.flags, fileValues);
  if (o.dataRoot !== undefined) settings['data-root'] = { value: o.dataRoot, source: 'override', from: 'swarmguard --data-root' };
  if (o.execRoot !== undefined) settings['exec-root'] = { value: o.execRoot, source: 'override', from: 'swarmguard --exec-root' };
  if (o.configFile !== undefined) settings['config-file'] = { value: o.configFile, source: 'override', from: 'swarmguard --config-file' };
  const dataRoot = str(settings['data-root']) ?? '/var/lib/docker';
  const execRoot = str(settings['exec-root']) ?? '/var/run/docker';
  const tlsOn = settings.tls?.value === true || settings.tlsverify?.value === true;
  const tlsPath = (k: keyof typeof ROOT_TLS_DEFAULTS): string[] => {
    const v = str(settings[k]);
    return v ? [v] : tlsOn ? [ROOT_TLS_DEFAULTS[k]] : [];
  };
  const containerd = str(settings.containerd)?.replace(/^unix:\/\//, '');
  const entries = await Promise.all([
    (async (): Promise<[FileRole, FileFact[]]> => ['docker.service', await firstExisting(r, UNIT_DIRS.map((d) => `${d}/docker.service`))])(),
    (async (): Promise<[FileRole, FileFact[]]> => ['docker.socket', await firstExisting(r, UNIT_DIRS.map((d) => `${d}/docker.socket`))])(),
    files(r, 'etc-docker', ['/etc/docker']),
    (async (): Promise<[FileRole, FileFact[]]> => ['registry-certs', await registryCerts(r)])(),
    files(r, 'tlscacert', tlsPath('tlscacert')),
    files(r, 'tlscert', tlsPath('tlscert')),
    files(r, 'tlskey', tlsPath('tlskey')),
    files(r, 'docker-sock', unixHosts(settings, o.socketPath)),
    files(r, 'daemon-json', [cfgPath]),
    files(r, 'etc-default-docker', ['/etc/default/docker']),
    files(r, 'etc-sysconfig-docker', ['/etc/sysconfig/docker']),
    files(r, 'containerd-sock', [containerd ?? path.posix.join(execRoot, 'containerd', 'containerd.sock'), SYSTEM_CONTAINERD_SOCK]),
  ]);
  return {
    format: 'swarmguard-host-facts/1',
    daemon: scrub(daemon),
    flags: scrub(parsed.flags),
    unrecognizedFlags: scrub(parsed.unrecognized),
    configFile,
    unknownConfigKeys,
    settings: scrub(settings),
    conflicts,
    files: Object.fromEntries(entries),
    listening: await listening(r, daemon),
    swarm: await swarmState(r, dataRoot, execRoot),
  };
}

/**
 * Find the daemon process: from its own pidfile, or as the owner of the unix
 * socket the audit talks to (/proc/net/unix inode → /proc/PID/fd links).
 * Never by process name: docker-bench's `pgrep -f -n dockerd` picks whichever
 * newest process merely mentions "dockerd".
 */
import { InputError } from '../../errors.js';
import { parseProcNetUnix, socketInode } from './proc-net.js';
import type { HostReader } from './reader.js';

export type Found = { pid: number; foundBy: string } | { unavailable: string };

const PID = /^\s*(\d{1,10})\s*$/;

async function pids(r: HostReader): Promise<number[]> {
  return (await r.list('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Socket inodes among a process's open files. */
export async function socketInodes(r: HostReader, pid: number): Promise<Set<number>> {
  const out = new Set<number>();
  for (const fd of await r.list(`/proc/${pid}/fd`)) {
    const ino = socketInode((await r.readlink(`/proc/${pid}/fd/${fd}`)) ?? '');
    if (ino !== undefined) out.add(ino);
  }
  return out;
}

async function parentOf(r: HostReader, pid: number): Promise<number | undefined> {
  const stat = (await r.read(`/proc/${pid}/stat`).catch(() => undefined))?.toString('utf8');
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
  const m = stat ? /\)\s+\S+\s+(\d+)/.exec(stat.slice(stat.lastIndexOf(')'))) : null;
  return m ? Number(m[1]) : undefined;
}

export async function pidFromPidfile(r: HostReader, file: string): Promise<number> {
  const text = (await r.read(file, 64).catch((e: unknown) => {
    throw new InputError('ERR_AUDIT_HOST_PIDFILE', `cannot read pidfile ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`, { cause: e });
  }))?.toString('utf8');
  if (text === undefined) throw new InputError('ERR_AUDIT_HOST_PIDFILE', `pidfile ${file} does not exist; is the daemon running? give its --pidfile`);
  const m = PID.exec(text);
  if (!m) throw new InputError('ERR_AUDIT_HOST_PIDFILE', `pidfile ${file} does not hold a PID (${JSON.stringify(text.slice(0, 20))})`);
  const pid = Number(m[1]);
  if ((await r.stat(`/proc/${pid}`)).exists === false) throw new InputError('ERR_AUDIT_HOST_PIDFILE', `pidfile ${file} names PID ${pid}, which is not running (stale pidfile)`);
  return pid;
}

/**
 * The process listening on `socketPath`. /proc/net/unix is per network
 * namespace, so the namespaces of all processes are searched. Socket
 * activation makes systemd hold the same socket: a holder whose ancestor also
 * holds it is the daemon.
 */
export async function socketOwner(r: HostReader, socketPath: string): Promise<Found> {
  const all = await pids(r);
  const inodes = new Set<number>();
  const tables = new Set<string>(['/proc/net/unix']);
  const seenNs = new Set<string>();
  for (const pid of all) {
    const ns = await r.readlink(`/proc/${pid}/ns/net`);
    if (ns && !seenNs.has(ns)) {
      seenNs.add(ns);
      tables.add(`/proc/${pid}/net/unix`);
    }
  }
  // /var/run is often a symlink to /run: compare paths with their directories resolved
  const want = await r.canonical(socketPath);
  const base = socketPath.slice(socketPath.lastIndexOf('/') + 1);
  for (const t of tables) {
    const text = (await r.read(t).catch(() => undefined))?.toString('utf8');
    for (const s of parseProcNetUnix(text ?? '')) {
      if (!s.listening || !s.path?.endsWith(`/${base}`)) continue;
      if (s.path === socketPath || s.path === want || (await r.canonical(s.path)) === want) inodes.add(s.inode);
    }
  }
  if (inodes.size === 0) return { unavailable: `no process listens on ${socketPath} (not in any /proc/*/net/unix); give the daemon's --pidfile` };
  if (inodes.size > 1) return { unavailable: `${inodes.size} listening sockets were bound at ${socketPath} (a replaced socket file); give the daemon's --pidfile` };
  const holders: number[] = [];
  for (const pid of all) {
    const mine = await socketInodes(r, pid);
    if ([...inodes].some((i) => mine.has(i))) holders.push(pid);
  }
  if (holders.length === 0) return { unavailable: `no process holds the socket ${socketPath} open (or /proc/*/fd is not readable: run as root); give the daemon's --pidfile` };
  // keep the innermost holders (systemd passes its socket down to dockerd)
  const inner: number[] = [];
  for (const pid of holders) {
    let outer = false;
    for (const h of holders) if (h !== pid && (await isAncestorOf(r, pid, h))) outer = true;
    if (!outer) inner.push(pid);
  }
  if (inner.length !== 1) return { unavailable: `processes ${inner.join(', ')} all hold ${socketPath}; give the daemon's --pidfile` };
  return { pid: inner[0]!, foundBy: `owner of ${socketPath}` };
}

async function isAncestorOf(r: HostReader, anc: number, pid: number): Promise<boolean> {
  for (let p = await parentOf(r, pid), n = 0; p !== undefined && p > 0 && n < 64; p = await parentOf(r, p), n++) if (p === anc) return true;
  return false;
}

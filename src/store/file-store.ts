import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { defaults } from '../defaults.js';
import { RuntimeError } from '../errors.js';
import { assertValidKey, type StateStore } from './state-store.js';

const LOCK_NAME = '.lock';

export interface FileStoreOptions {
  lockTimeoutMs?: number;
  lockStaleMs?: number;
}

/** Resolve the state directory: explicit flag, then $SWARMGUARD_STATE, then ~/.swarmguard. */
export function resolveStateDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = explicit ?? env[defaults.state.envVar] ?? path.join(os.homedir(), defaults.state.homeDirName);
  return path.resolve(dir);
}

/**
 * Write `data` to `file` atomically: a private temp file in the same
 * directory, fsync, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, mode = defaults.state.fileMode): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // umask may have narrowed or the FS ignored the open mode
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  let dh: fsp.FileHandle | undefined;
  try {
    dh = await fsp.open(dir, fsc.O_RDONLY);
    await dh.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    await dh?.close().catch(() => undefined);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The default store: one file per key under a private directory. */
export class FileStore implements StateStore {
  readonly location: string;
  private readonly lockTimeoutMs: number;
  private readonly lockStaleMs: number;
  private held = 0;
  private readonly logs = new Map<string, AppendLog>();

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.location = path.resolve(dir);
    this.lockTimeoutMs = options.lockTimeoutMs ?? defaults.state.lockTimeoutMs;
    this.lockStaleMs = options.lockStaleMs ?? defaults.state.lockStaleMs;
  }

  private file(key: string): string {
    return path.join(this.location, ...assertValidKey(key));
  }

  private async ensureDir(dir: string): Promise<void> {
    try {
      await fsp.mkdir(dir, { recursive: true, mode: defaults.state.dirMode });
    } catch (e) {
      throw ioError('create', dir, e);
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    const f = this.file(key);
    try {
      return await fsp.readFile(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('read', f, e);
    }
  }

  async write(key: string, data: Uint8Array | string): Promise<void> {
    const f = this.file(key);
    await this.ensureDir(path.dirname(f));
    try {
      await writeFileAtomic(f, data);
    } catch (e) {
      throw ioError('write', f, e);
    }
  }

  async append(key: string, data: Uint8Array | string): Promise<void> {
    const f = this.file(key);
    let log = this.logs.get(f);
    if (!log) {
      await this.ensureDir(path.dirname(f));
      log = this.logs.get(f) ?? new AppendLog(f);
      this.logs.set(f, log);
    }
    try {
      await log.append(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
    } catch (e) {
      throw ioError('append to', f, e);
    }
  }

  /** Close open log handles (tests; long-running servers on shutdown). */
  async close(): Promise<void> {
    const logs = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(logs.map((l) => l.close()));
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.file(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.replace(/\/+$/, '');
    const base = trimmed === '' ? this.location : this.file(trimmed);
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw ioError('list', dir, e);
      }
      for (const ent of entries) {
        if (ent.name.startsWith('.')) continue;
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) await walk(path.join(dir, ent.name), r);
        else if (ent.isFile()) out.push(trimmed ? `${trimmed}/${r}` : r);
      }
    };
    await walk(base, '');
    return out.sort();
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held > 0) {
      // re-entrant within one process: the outer holder already excludes others
      this.held++;
      try {
        return await fn();
      } finally {
        this.held--;
      }
    }
    await this.ensureDir(this.location);
    const lockFile = path.join(this.location, LOCK_NAME);
    const token = `${process.pid} ${Date.now()} ${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const fh = await fsp.open(lockFile, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, defaults.state.fileMode);
        await fh.writeFile(token);
        await fh.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('lock', lockFile, e);
        if (await this.breakIfStale(lockFile)) continue;
        if (Date.now() > deadline) {
          throw new RuntimeError(
            'ERR_STATE_LOCKED',
            `state directory ${this.location} is locked by another swarmguard process; wait for it to finish or remove ${lockFile} if no process holds it`,
          );
        }
        await new Promise((r) => setTimeout(r, defaults.state.lockRetryMs));
      }
    }
    this.held = 1;
    try {
      return await fn();
    } finally {
      this.held = 0;
      const cur = await fsp.readFile(lockFile, 'utf8').catch(() => '');
      if (cur === token) await fsp.rm(lockFile, { force: true });
    }
  }

  private async breakIfStale(lockFile: string): Promise<boolean> {
    let text: string;
    let mtimeMs: number;
    try {
      text = await fsp.readFile(lockFile, 'utf8');
      mtimeMs = (await fsp.stat(lockFile)).mtimeMs;
    } catch {
      return true; // vanished between open and read: retry at once
    }
    const pid = Number.parseInt(text.split(' ')[0] ?? '', 10);
    const ownerGone = Number.isInteger(pid) && pid > 0 ? !pidAlive(pid) : Date.now() - mtimeMs > this.lockStaleMs;
    if (!ownerGone) return false;
    // rename first so that two breakers cannot both delete a fresh lock
    const grave = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
      await fsp.rename(lockFile, grave);
      const moved = await fsp.readFile(grave, 'utf8');
      if (moved !== text) {
        // we moved a lock someone else just took: put it back
        await fsp.rename(grave, lockFile).catch(() => undefined);
        return false;
      }
      await fsp.rm(grave, { force: true });
      return true;
    } catch {
      return true;
    }
  }
}

function ioError(op: string, file: string, cause: unknown): RuntimeError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new RuntimeError('ERR_STATE_IO', `cannot ${op} ${file} (${code}); check the state directory's permissions and free space`, { cause });
}

/**
 * An append-only file with group commit: records queued while one write+fsync
 * is in flight go out together in the next one.
 */
class AppendLog {
  private fh: fsp.FileHandle | undefined;
  private queue: Array<{ data: Buffer; done: (e?: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  append(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ data, done: (e) => (e ? reject(e) : resolve()) });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        this.fh ??= await fsp.open(this.file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, defaults.state.fileMode);
        await this.fh.write(Buffer.concat(batch.map((b) => b.data)));
        await this.fh.sync();
        for (const b of batch) b.done();
      } catch (e) {
        for (const b of batch) b.done(e);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }
}

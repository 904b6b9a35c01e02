/**
 * The host collectors' only IO: read, stat, list and readlink under a root
 * directory (`/` on a real host, a fixture tree in tests). Paths given and
 * recorded are host paths; the root is prefixed only here.
 */
import { lstat, readdir, readlink, realpath, stat, open } from 'node:fs/promises';
import * as path from 'node:path';
import { defaults } from '../../defaults.js';
import type { FileFact } from './types.js';

export interface HostReader {
  /** The content, or undefined when the path does not exist. Throws on other errors. */
  read(p: string, maxBytes?: number): Promise<Buffer | undefined>;
  stat(p: string): Promise<FileFact>;
  list(p: string): Promise<string[]>;
  readlink(p: string): Promise<string | undefined>;
  /** The path with its directory's symlinks resolved (/var/run/docker.sock → /run/docker.sock); itself when that fails. */
  canonical(p: string): Promise<string>;
  /** uid and gid to names, from <root>/etc/passwd and /etc/group. */
  names(): Promise<{ users: Map<number, string>; groups: Map<number, string> }>;
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'EIO';

function parseIdFile(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!) && !m.has(Number(f[2]))) m.set(Number(f[2]), f[0]!);
  }
  return m;
}

export function fsReader(root = '/'): HostReader {
  const at = (p: string): string => path.join(root, p);
  let names: Promise<{ users: Map<number, string>; groups: Map<number, string> }> | undefined;
  const reader: HostReader = {
    async read(p, maxBytes = defaults.audit.hostMaxFileBytes) {
      let fh;
      try {
        fh = await open(at(p), 'r');
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
        throw e;
      }
      try {
        // /proc files report size 0: read up to the cap whatever stat says
        const buf = Buffer.alloc(maxBytes + 1);
        let n = 0;
        for (;;) {
          const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
          if (bytesRead === 0) break;
          n += bytesRead;
          if (n > maxBytes) throw Object.assign(new Error(`${p} is larger than ${maxBytes} bytes`), { code: 'EFBIG' });
        }
        return buf.subarray(0, n);
      } finally {
        await fh.close();
      }
    },
    async stat(p) {
      let l;
      try {
        l = await lstat(at(p));
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return { path: p, exists: false };
        return { path: p, exists: true, error: code(e) };
      }
      let s = l;
      let linkTarget: string | undefined;
      if (l.isSymbolicLink()) {
        linkTarget = await readlink(at(p)).catch(() => undefined);
        try {
          s = await stat(at(p));
        } catch (e) {
          return { path: p, exists: true, type: 'symlink', ...(linkTarget ? { linkTarget } : {}), error: `dangling symlink (${code(e)})` };
        }
      }
      const { users, groups } = await reader.names();
      const type = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSocket() ? 'socket' : s.isSymbolicLink() ? 'symlink' : 'other';
      return {
        path: p,
        exists: true,
        type,
        mode: s.mode & 0o7777,
        uid: s.uid,
        gid: s.gid,
        ...(users.has(s.uid) ? { user: users.get(s.uid)! } : {}),
        ...(groups.has(s.gid) ? { group: groups.get(s.gid)! } : {}),
        ...(linkTarget ? { linkTarget } : {}),
      };
    },
    async list(p) {
      try {
        return (await readdir(at(p))).sort();
      } catch (e) {
        if (['ENOENT', 'ENOTDIR', 'EACCES', 'ESRCH'].includes(code(e))) return [];
        throw e;
      }
    },
    async readlink(p) {
      try {
        return await readlink(at(p));
      } catch {
        return undefined;
      }
    },
    async canonical(p) {
      try {
        const dir = await realpath(at(path.posix.dirname(p)));
        const rel = path.relative(path.resolve(root), dir);
        if (rel.startsWith('..')) return p;
        return path.posix.join('/', rel.split(path.sep).join('/'), path.posix.basename(p));
      } catch {
        return p;
      }
    },
    names() {
      return (names ??= (async () => {
        const read = async (f: string) => (await reader.read(f).catch(() => undefined))?.toString('utf8') ?? '';
        return { users: parseIdFile(await read('/etc/passwd')), groups: parseIdFile(await read('/etc/group')) };
      })());
    },
  };
  return reader;
}

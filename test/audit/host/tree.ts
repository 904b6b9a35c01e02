/**
 * Fixture trees for the host collectors: a fake root with /proc entries
 * (cmdline, fd links, stat, net tables), /etc files and daemon state, built at
 * test time because git keeps neither modes like 0606 nor sockets.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/env.js';

export interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
  /** Socket inodes held open. */
  sockets?: number[];
  netns?: string;
  /** /proc/PID/net/* files for this process's namespace. */
  net?: Partial<Record<'tcp' | 'tcp6' | 'udp' | 'udp6' | 'unix', string>>;
}

export class Tree {
  readonly root: string;
  readonly cleanup: () => void;
  constructor() {
    const t = tempDir('sg-host-');
    this.root = t.dir;
    this.cleanup = t.cleanup;
    this.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    this.file('/etc/group', 'root:x:0:\ndocker:x:105:\nalice:x:1000:\n');
  }
  at(p: string): string {
    return path.join(this.root, p);
  }
  file(p: string, content: string | Buffer, mode = 0o644): this {
    mkdirSync(path.dirname(this.at(p)), { recursive: true });
    writeFileSync(this.at(p), content);
    chmodSync(this.at(p), mode);
    return this;
  }
  dir(p: string, mode = 0o755): this {
    mkdirSync(this.at(p), { recursive: true });
    chmodSync(this.at(p), mode);
    return this;
  }
  link(p: string, target: string): this {
    mkdirSync(path.dirname(this.at(p)), { recursive: true });
    symlinkSync(target, this.at(p));
    return this;
  }
  proc(p: Proc): this {
    this.file(`/proc/${p.pid}/cmdline`, p.argv.join('\0') + '\0');
    this.file(`/proc/${p.pid}/stat`, `${p.pid} (${path.basename(p.argv[0] ?? 'x')}) S ${p.ppid} 1 1 0 -1`);
    this.dir(`/proc/${p.pid}/fd`);
    (p.sockets ?? []).forEach((ino, i) => this.link(`/proc/${p.pid}/fd/${i + 3}`, `socket:[${ino}]`));
    this.link(`/proc/${p.pid}/fd/0`, '/dev/null');
    this.dir(`/proc/${p.pid}/ns`);
    this.link(`/proc/${p.pid}/ns/net`, `net:[${p.netns ?? '4026531840'}]`);
    for (const [k, v] of Object.entries(p.net ?? {})) this.file(`/proc/${p.pid}/net/${k}`, v);
    return this;
  }
}

export const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
/** A /proc/net/unix row: listening (flag 0x10000) stream socket. */
export const unixRow = (inode: number, p: string, listening = true): string =>
  `0000000000000000: 00000002 00000000 ${listening ? '00010000' : '00000000'} 0001 01 ${inode} ${p}\n`;

export const INET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A /proc/net/tcp row; `hexAddr` as /proc writes it (0100007F = 127.0.0.1). */
export const inetRow = (hexAddr: string, port: number, state: string, inode: number, remote = '00000000:0000'): string =>
  `   0: ${hexAddr}:${port.toString(16).toUpperCase().padStart(4, '0')} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

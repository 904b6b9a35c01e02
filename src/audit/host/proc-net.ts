/**
 * Parse /proc/net/{tcp,tcp6,udp,udp6} and /proc/net/unix. Pure and total:
 * malformed lines are skipped, never thrown on. Addresses in /proc are hex,
 * each 32-bit word in host (little-endian) byte order.
 */

export interface InetSocket {
  address: string;
  port: number;
  /** Kernel socket state (hex in /proc): 0x0A LISTEN for TCP, 0x07 unconnected for UDP. */
  state: number;
  remotePort: number;
  inode: number;
}

export interface UnixSocket {
  inode: number;
  listening: boolean;
  path?: string;
}

const TCP_LISTEN = 0x0a;
const UDP_UNCONNECTED = 0x07;
const SO_ACCEPTCON = 0x10000;

function word(hex: string): number[] {
  // one 32-bit word as stored: little-endian bytes
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export function decodeAddress(hex: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return word(hex).join('.');
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return undefined;
  const bytes = [0, 8, 16, 24].flatMap((i) => word(hex.slice(i, i + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function parseProcNetInet(text: string): InetSocket[] {
  const out: InetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const [la, lp] = f[1]!.split(':');
    const [, rp] = f[2]!.split(':');
    const address = la ? decodeAddress(la) : undefined;
    if (address === undefined || !/^[0-9A-Fa-f]{4}$/.test(lp ?? '') || !/^[0-9A-Fa-f]{4}$/.test(rp ?? '') || !/^[0-9A-Fa-f]{2}$/.test(f[3]!) || !/^\d+$/.test(f[9]!)) continue;
    out.push({ address, port: parseInt(lp!, 16), state: parseInt(f[3]!, 16), remotePort: parseInt(rp!, 16), inode: Number(f[9]) });
  }
  return out;
}

/** Listening TCP sockets, or bound and unconnected UDP ones. */
export function listeners(proto: 'tcp' | 'tcp6' | 'udp' | 'udp6', sockets: InetSocket[]): InetSocket[] {
  return sockets.filter((s) => (proto.startsWith('tcp') ? s.state === TCP_LISTEN : s.state === UDP_UNCONNECTED && s.remotePort === 0));
}

export function parseProcNetUnix(text: string): UnixSocket[] {
  const out: UnixSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*[0-9A-Fa-f]+:\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+([0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+(\d+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const flags = parseInt(m[1]!, 16);
    out.push({ inode: Number(m[2]), listening: (flags & SO_ACCEPTCON) !== 0, ...(m[3] ? { path: m[3] } : {}) });
  }
  return out;
}

/** `socket:[12345]` (a /proc/PID/fd link) to 12345. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

import { randomBytes } from 'node:crypto';

/** Big-endian bytes → lowercase base36, left-padded to `width` (Go big.Int.Text(36)). */
export function toBase36(bytes: Uint8Array, width = 0): string {
  const n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  return n.toString(36).padStart(width, '0');
}

/**
 * A SwarmKit-style identifier (swarmkit spec 2.2): 17 random bytes with the
 * high bit set, in base36, characters [1, 26).
 */
export function newSwarmId(random: (n: number) => Buffer = randomBytes): string {
  const b = random(17);
  b[0]! |= 0x80;
  return toBase36(b).slice(1, 26);
}

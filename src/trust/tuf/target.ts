/**
 * A TUF target's bytes against what its role signed for it: the length and
 * every supported hash (the same rule as Notary's, spec §8), then the name a
 * repository serves it under.
 */
import { refuse } from '../errors.js';
import { checkFileMeta } from '../notary/trusted-set.js';
import type { VerifiedTarget } from '../verifier.js';

const HEX = /^(?:[0-9a-f]{2})+$/;

/** Refuses (ERR_TRUST_MIX_AND_MATCH / ERR_TRUST_TOO_LARGE / ERR_TRUST_MALFORMED) unless `bytes` is the signed target. */
export function checkTufTargetBytes(target: Pick<VerifiedTarget, 'name' | 'length' | 'hashes'>, bytes: Buffer): void {
  const hashes = new Map<string, Buffer>();
  for (const [name, hex] of Object.entries(target.hashes)) {
    if (!HEX.test(hex)) throw refuse('ERR_TRUST_MALFORMED', target.name, `TUF target ${target.name}: its ${name} is not lowercase hex; the repository must list hashes as hex`);
    hashes.set(name, Buffer.from(hex, 'hex'));
  }
  checkFileMeta(target.name, bytes, { length: target.length, hashes }, 'its role');
}

/**
 * The file names a repository serves a target under (TUF spec §5.7.3): with
 * consistent snapshots `<dir>/<hash>.<base>` for each listed hash, else the path itself.
 */
export function tufTargetFileNames(targetPath: string, hashes: Record<string, string>, consistentSnapshot: boolean): string[] {
  if (!consistentSnapshot) return [targetPath];
  const slash = targetPath.lastIndexOf('/');
  const dir = targetPath.slice(0, slash + 1);
  const base = targetPath.slice(slash + 1);
  return Object.values(hashes).map((h) => `${dir}${h}.${base}`);
}

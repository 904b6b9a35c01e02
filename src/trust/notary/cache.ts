/**
 * The trust cache: per GUN, the root we trust (its exact served bytes) and
 * the highest version seen of every role, in the StateStore. It is the trust
 * anchor on later runs (pinned root) and the floor for rollback protection.
 */
import { createHash } from 'node:crypto';
import type { StateStore } from '../../store/state-store.js';
import { TrustRuntimeError } from '../errors.js';
import { defaults } from '../../defaults.js';
import type { AnchorKind } from './update.js';
import type { NotaryTrustedSet } from './trusted-set.js';

export interface TrustCacheEntry {
  gun: string;
  /** The trusted root.json, exactly as served. */
  root: Buffer;
  rootVersion: number;
  /** Highest version seen per role. */
  versions: Record<string, number>;
  /** How the first root was trusted. */
  anchor: AnchorKind;
  firstTrustedAt: string;
  /** When the entry last changed (a newer root or role version). */
  updatedAt: string;
}

interface Stored {
  format: 1;
  gun: string;
  root: string;
  rootVersion: number;
  versions: Record<string, number>;
  anchor: AnchorKind;
  firstTrustedAt: string;
  updatedAt: string;
}

/** StateStore keys allow [A-Za-z0-9._-]: a GUN (with `/` and `:`) is hashed. */
export function cacheKey(gun: string): string {
  return `${defaults.trust.cache.prefix}/${createHash('sha256').update(gun, 'utf8').digest('hex')}.json`;
}

export async function readTrustCache(store: StateStore, gun: string): Promise<TrustCacheEntry | undefined> {
  const key = cacheKey(gun);
  const raw = await store.read(key);
  if (raw === undefined) return undefined;
  try {
    if (raw.length > defaults.trust.cache.maxEntryBytes) throw new Error('too large');
    const s = JSON.parse(raw.toString('utf8')) as Stored;
    if (s.format !== 1 || s.gun !== gun || typeof s.root !== 'string' || typeof s.versions !== 'object') throw new Error('unexpected content');
    const versions: Record<string, number> = {};
    for (const [k, v] of Object.entries(s.versions)) if (Number.isSafeInteger(v)) versions[k] = v;
    return { gun, root: Buffer.from(s.root, 'base64'), rootVersion: s.rootVersion, versions, anchor: s.anchor, firstTrustedAt: s.firstTrustedAt, updatedAt: s.updatedAt };
  } catch (e) {
    throw new TrustRuntimeError(
      'ERR_TRUST_CACHE',
      `the trust cache for ${gun} in ${store.location} (${key}) is damaged (${(e as Error).message}); remove it and pin the root again`,
      { cause: e },
    );
  }
}

/** Nothing in `set` is newer than `entry` (same root, no higher role version): nothing to record. */
function covers(entry: TrustCacheEntry, set: NotaryTrustedSet): boolean {
  if (set.root.signed.version > entry.rootVersion) return false;
  if (set.root.signed.version === entry.rootVersion && !set.root.raw.equals(entry.root)) return false;
  return Object.entries(set.versions()).every(([role, v]) => v <= (entry.versions[role] ?? 0));
}

/**
 * Record a verified update: the root becomes the anchor when it is at least
 * as new as the cached one, and every role's version only ever goes up. An
 * update that brings nothing newer writes nothing (the warm path: no lock,
 * no fsync).
 */
export async function recordTrust(store: StateStore, set: NotaryTrustedSet, anchor: AnchorKind, now: Date): Promise<TrustCacheEntry> {
  const current = await readTrustCache(store, set.gun);
  if (current && covers(current, set)) return current;
  return store.withLock(async () => {
    const old = await readTrustCache(store, set.gun);
    const versions: Record<string, number> = { ...(old?.versions ?? {}) };
    for (const [role, v] of Object.entries(set.versions())) versions[role] = Math.max(versions[role] ?? 0, v);
    const newer = !old || set.root.signed.version >= old.rootVersion;
    const entry: TrustCacheEntry = {
      gun: set.gun,
      root: newer ? set.root.raw : old.root,
      rootVersion: newer ? set.root.signed.version : old.rootVersion,
      versions,
      anchor: old?.anchor ?? anchor,
      firstTrustedAt: old?.firstTrustedAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const stored: Stored = { format: 1, ...entry, root: entry.root.toString('base64') };
    await store.write(cacheKey(set.gun), JSON.stringify(stored, null, 2) + '\n');
    return entry;
  });
}

/** Forget a GUN (after a deliberate re-pin). */
export async function forgetTrust(store: StateStore, gun: string): Promise<void> {
  await store.withLock(() => store.delete(cacheKey(gun)));
}

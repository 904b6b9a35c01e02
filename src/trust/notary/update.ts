/**
 * The updater: fetch Notary metadata in the order of spec §8 and feed it to
 * the trusted set. It owns no clock, no network and no store: the source,
 * the verification time and the cached state are parameters.
 */
import { refuse, TrustError } from '../errors.js';
import { defaults } from '../../defaults.js';
import { parseRoot } from './metadata.js';
import type { RootPin } from './root.js';
import { NotaryTrustedSet, type VersionFloor } from './trusted-set.js';

export interface FetchRequest {
  /** `root`, `timestamp`, `snapshot`, `targets`, `targets/releases`, … */
  role: string;
  /** `<version>.root.json` (root rotation walk). */
  version?: number;
  /** Lowercase hex sha256 from the parent role: a server may serve `<role>.<sha256>.json`. */
  sha256?: string;
  /** Refuse (ERR_TRUST_TOO_LARGE) anything longer. */
  maxBytes: number;
}

/** Where metadata comes from: a notary server, or a directory of files as a server serves them. */
export interface MetadataSource {
  /** For messages: a URL or a directory. */
  readonly description: string;
  /** The raw bytes, or undefined when the file does not exist (HTTP 404, no such file). */
  fetch(req: FetchRequest): Promise<Buffer | undefined>;
}

/** How the first root is trusted: a pin, the cached root, or nothing (refused). */
export interface TrustAnchorInput {
  /** Explicit pin (key IDs or CA); wins over the cache. TOFU only when nothing is cached. */
  pin?: RootPin;
  /** The root bytes trusted before (trust cache) and the highest versions seen. */
  cached?: { root: Buffer; versions: VersionFloor };
}

export type AnchorKind = 'root-key-id' | 'root-ca' | 'cache' | 'tofu';

export interface UpdateOptions {
  gun: string;
  source: MetadataSource;
  anchor: TrustAnchorInput;
  /** The verification time, read once by the caller. */
  now: Date;
}

export interface UpdateResult {
  set: NotaryTrustedSet;
  anchor: AnchorKind;
}

const L = defaults.trust.notary;

async function need(source: MetadataSource, req: FetchRequest, gun: string): Promise<Buffer> {
  const b = await source.fetch(req);
  if (b === undefined) {
    const file = req.version !== undefined ? `${req.version}.${req.role}.json` : `${req.role}.json`;
    throw refuse('ERR_TRUST_NO_DATA', req.role, `${gun}: ${file} is missing at ${source.description}; the repository has no (complete) trust data`);
  }
  return b;
}

function noAnchor(gun: string): TrustError {
  return refuse(
    'ERR_TRUST_NO_ANCHOR',
    'root',
    `${gun}: no trust anchor: nothing is pinned and no root is cached for this GUN. Pin the root with --root-key-id ID (from a trusted source, e.g. the publisher or \`notary -s … list\` on a machine that already trusts it), or --root-ca FILE, or accept the served root once with --tofu (it is then recorded and later roots must chain to it)`,
  );
}

/** Walk N.root.json from the trusted root's version up to the latest root (spec §8). */
async function walkRoots(set: NotaryTrustedSet, latestRaw: Buffer, o: UpdateOptions): Promise<void> {
  const latest = parseRoot(latestRaw).signed.version;
  const from = set.root.signed.version;
  if (latest <= from) {
    set.updateRoot(latestRaw);
    return;
  }
  try {
    // Go first tries the latest root against the trusted one directly.
    set.updateRoot(latestRaw);
    return;
  } catch (e) {
    if (!(e instanceof TrustError) || e.code !== 'ERR_TRUST_ROOT_ROTATION' || latest - from === 1) throw e;
    if (latest - from > L.maxRootRotations) throw e;
    for (let v = from + 1; v < latest; v++) {
      const raw = await o.source.fetch({ role: 'root', version: v, maxBytes: L.maxRootBytes });
      if (raw === undefined) throw e;
      set.updateRoot(raw, v);
    }
    set.updateRoot(latestRaw, latest);
  }
}

/** Bootstrap from a pin: the latest root directly, or (if the pin names an older root) from 1.root.json up. */
async function bootstrapPinned(latestRaw: Buffer, pin: RootPin, o: UpdateOptions, floor: VersionFloor): Promise<NotaryTrustedSet> {
  try {
    return NotaryTrustedSet.bootstrap(latestRaw, { gun: o.gun, now: o.now, floor, pin });
  } catch (e) {
    if (!(e instanceof TrustError) || e.code !== 'ERR_TRUST_PIN_MISMATCH') throw e;
    const first = await o.source.fetch({ role: 'root', version: 1, maxBytes: L.maxRootBytes });
    if (first === undefined) throw e;
    let set: NotaryTrustedSet;
    try {
      set = NotaryTrustedSet.bootstrap(first, { gun: o.gun, now: o.now, floor, pin, role: '1.root', current: false });
    } catch {
      throw e;
    }
    await walkRoots(set, latestRaw, o);
    return set;
  }
}

/**
 * Run one update: root (bootstrap or rotation), timestamp, snapshot,
 * targets, delegations. Returns the complete trusted set, or throws the
 * refusal of the first check that failed.
 */
export async function updateNotaryRepository(o: UpdateOptions): Promise<UpdateResult> {
  const floor = o.anchor.cached?.versions ?? {};
  const rootRaw = await need(o.source, { role: 'root', maxBytes: L.maxRootBytes }, o.gun);
  let set: NotaryTrustedSet;
  let anchor: AnchorKind;
  const pin = o.anchor.pin;
  if (pin && pin.kind !== 'tofu') {
    set = await bootstrapPinned(rootRaw, pin, o, floor);
    anchor = pin.kind === 'key-ids' ? 'root-key-id' : 'root-ca';
  } else if (o.anchor.cached) {
    set = NotaryTrustedSet.fromTrustedRoot(o.anchor.cached.root, { gun: o.gun, now: o.now, floor });
    await walkRoots(set, rootRaw, o);
    anchor = 'cache';
  } else if (pin?.kind === 'tofu') {
    set = NotaryTrustedSet.bootstrap(rootRaw, { gun: o.gun, now: o.now, floor, pin });
    anchor = 'tofu';
  } else throw noAnchor(o.gun);
  set.finishRoot();

  set.updateTimestamp(await need(o.source, { role: 'timestamp', maxBytes: L.maxTimestampBytes }, o.gun));
  const snapMeta = set.snapshotMeta;
  set.updateSnapshot(await need(o.source, { role: 'snapshot', sha256: snapMeta.hashes.get('sha256')!.toString('hex'), maxBytes: Math.min(snapMeta.length, L.maxMetadataBytes) }, o.gun));

  const fetchRole = async (role: string): Promise<Buffer> => {
    const m = set.metaFor(role)!;
    const sha = m.hashes.get('sha256');
    return need(o.source, { role, ...(sha ? { sha256: sha.toString('hex') } : {}), maxBytes: Math.min(m.length, L.maxMetadataBytes) }, o.gun);
  };
  // Pre-order: a role's children come before its later siblings (spec §8 step 4).
  const queue = set.updateTargets(await fetchRole('targets'));
  while (queue.length > 0) {
    const role = queue.shift()!;
    queue.unshift(...set.updateDelegation(role, await fetchRole(role)));
  }
  return { set, anchor };
}

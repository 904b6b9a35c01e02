/**
 * `verifyNotaryTag`: which digest is signed for GUN:TAG, and by whom — or a
 * refusal. One update in spec §8 order from the given source, Docker's tag
 * rule (spec §9), then the trust cache is brought forward.
 */
import type { Clock } from '../../core/clock.js';
import type { StateStore } from '../../store/state-store.js';
import type { TrustVerifier, VerifiedTarget } from '../verifier.js';
import { readTrustCache, recordTrust } from './cache.js';
import { resolveDockerTag, type SignedTarget } from './lookup.js';
import { describeRepository, type RepositoryView } from './report.js';
import type { RootPin } from './root.js';
import type { NotaryTrustedSet } from './trusted-set.js';
import { updateNotaryRepository, type AnchorKind, type MetadataSource } from './update.js';

export interface NotaryVerifyOptions {
  gun: string;
  source: MetadataSource;
  /** Pinned root key IDs or CA, or TOFU. Without it, the cached root for the GUN is the anchor. */
  pin?: RootPin;
  /** The trust cache (anchor and rollback floor). Without it, only an explicit pin or TOFU can anchor. */
  store?: StateStore;
  /** Write the verified state back to the store (default true when a store is given). */
  record?: boolean;
  clock: Clock;
}

export interface VerifiedRepository {
  set: NotaryTrustedSet;
  anchor: AnchorKind;
  at: Date;
  view: RepositoryView;
}

/** Update and verify a repository's trust data (no tag lookup). */
export async function verifyNotaryRepository(o: NotaryVerifyOptions): Promise<VerifiedRepository> {
  const at = o.clock.now();
  const cached = o.store ? await readTrustCache(o.store, o.gun) : undefined;
  const { set, anchor } = await updateNotaryRepository({
    gun: o.gun,
    source: o.source,
    now: at,
    anchor: { ...(o.pin ? { pin: o.pin } : {}), ...(cached ? { cached: { root: cached.root, versions: cached.versions } } : {}) },
  });
  if (o.store && o.record !== false) await recordTrust(o.store, set, anchor, at);
  return { set, anchor, at, view: describeRepository(set, at) };
}

export interface TagVerification extends SignedTarget {
  gun: string;
  tag: string;
  anchor: AnchorKind;
  root: { version: number; keyIds: string[]; chain: number[] };
  versions: Record<string, number>;
  source: string;
  at: string;
  warnings: string[];
}

export async function verifyNotaryTag(o: NotaryVerifyOptions & { tag: string }): Promise<TagVerification> {
  const r = await verifyNotaryRepository(o);
  const target = resolveDockerTag(r.set, o.tag);
  return {
    gun: o.gun,
    tag: o.tag,
    ...target,
    anchor: r.anchor,
    root: { version: r.set.root.signed.version, keyIds: r.set.rootKeyIds, chain: r.set.rootChain },
    versions: r.set.versions(),
    source: o.source.description,
    at: r.at.toISOString(),
    warnings: r.view.warnings,
  };
}

/** Notary v1 behind the common TrustVerifier interface. */
export class NotaryVerifier implements TrustVerifier {
  readonly format = 'notary-v1' as const;
  constructor(private readonly options: NotaryVerifyOptions) {}

  async verify(tag: string): Promise<VerifiedTarget> {
    const t = await verifyNotaryTag({ ...this.options, tag });
    return {
      format: this.format,
      repository: t.gun,
      name: t.tag,
      role: t.role,
      length: t.length,
      hashes: t.hashes,
      digest: t.digest,
      signers: t.signers.map((s) => ({ keyId: s.keyId, ...(s.name !== undefined ? { name: s.name } : {}) })),
      warnings: t.warnings,
    };
  }
}

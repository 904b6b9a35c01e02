/**
 * The trusted set: an explicit state machine over Notary metadata that
 * enforces the update order of spec §8 — root (and its rotations), then
 * timestamp, snapshot, targets, then delegations parent before child — and
 * checks each file against what is already trusted. Pure and synchronous:
 * bytes in, verified models out; the caller reads the clock once and fetches.
 *
 *   const ts = NotaryTrustedSet.bootstrap(rootBytes, { gun, now, pin });
 *   ts.updateRoot(bytes of N.root.json)…;  ts.finishRoot();
 *   ts.updateTimestamp(b); ts.updateSnapshot(b); ts.updateTargets(b);
 *   for (const role of queue) queue.unshift(...ts.updateDelegation(role, b));
 */
import { createHash } from 'node:crypto';
import { refuse, TrustError, type TrustRefusalCode } from '../errors.js';
import { defaults } from '../../defaults.js';
import type { DecodedKey } from './keys.js';
import {
  HASH_LENGTHS,
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  type DelegationRole,
  type FileMeta,
  type RootMetadata,
  type SnapshotMetadata,
  type TargetsMetadata,
  type TimestampMetadata,
} from './metadata.js';
import { checkCurrentRoot, checkRotation, requireNotExpired, type RootCheck, type RootPin } from './root.js';
import { authorityFor, requireThreshold } from './signed.js';

/** Highest version seen per role (from the trust cache): anything lower is a rollback. */
export type VersionFloor = Readonly<Record<string, number>>;

export interface TrustedSetOptions {
  gun: string;
  /** The verification time, read once by the caller. */
  now: Date;
  floor?: VersionFloor;
}

/** A verified targets role (top-level `targets` or a delegation). */
export interface VerifiedRole {
  name: string;
  metadata: TargetsMetadata;
  /** Key IDs whose signatures counted. */
  signers: string[];
  keyIds: string[];
  threshold: number;
  /** Effective path prefixes (a delegation's paths restricted by its parent's). */
  paths: string[];
  /** Parent role name (undefined for `targets`). */
  parent?: string;
}

/** A delegation that was declared but not used, and why. */
export interface SkippedRole {
  name: string;
  code: TrustRefusalCode | 'UNPUBLISHED';
  reason: string;
  error?: TrustError;
}

type State = 'root' | 'root-done' | 'timestamp' | 'snapshot' | 'targets';

const ORDER: Record<State, number> = { root: 0, 'root-done': 1, timestamp: 2, snapshot: 3, targets: 4 };

function misuse(what: string, state: State): never {
  throw new TypeError(`NotaryTrustedSet: ${what} is not allowed in state ${state} (order: root → timestamp → snapshot → targets → delegations)`);
}

/** spec §8: length is a cap; all present and supported hashes must match; at least one supported. */
export function checkFileMeta(role: string, raw: Buffer, meta: FileMeta, parent: string): void {
  if (raw.length > meta.length) {
    throw refuse('ERR_TRUST_TOO_LARGE', role, `${role}: ${raw.length} bytes, but ${parent} lists ${meta.length}; the server sent more than was signed for`, {
      length: raw.length,
      expected: meta.length,
    });
  }
  let checked = 0;
  for (const [name, want] of meta.hashes) {
    if (HASH_LENGTHS[name] === undefined) continue;
    checked++;
    const got = createHash(name).update(raw).digest();
    if (!got.equals(want)) {
      throw refuse(
        'ERR_TRUST_MIX_AND_MATCH',
        role,
        `${role}: its ${name} does not match the one ${parent} lists; files from different versions of the repository were mixed (or one was altered)`,
        { hash: name, expected: want.toString('base64'), got: got.toString('base64') },
      );
    }
  }
  if (checked === 0) throw refuse('ERR_TRUST_MALFORMED', role, `${parent} lists no sha256 or sha512 for ${role}; nothing ties the file to the signed data`);
  if (raw.length !== meta.length) {
    throw refuse('ERR_TRUST_MIX_AND_MATCH', role, `${role}: ${raw.length} bytes, but ${parent} lists ${meta.length}`, { length: raw.length, expected: meta.length });
  }
}

export class NotaryTrustedSet {
  readonly gun: string;
  readonly now: Date;
  private readonly floor: VersionFloor;
  private state: State = 'root';
  private rootMeta: RootMetadata;
  private rootCheck: RootCheck | undefined;
  private readonly decodedRootKeys = new Map<string, DecodedKey>();
  /** Versions walked during this update (1 → 2 → …), for the report. */
  readonly rootChain: number[];
  private ts: TimestampMetadata | undefined;
  private snap: SnapshotMetadata | undefined;
  private readonly roles = new Map<string, VerifiedRole>();
  /** Declared delegations waiting for their file: name → (parent, declaration). */
  private readonly pending = new Map<string, { parent: VerifiedRole; decl: DelegationRole }>();
  readonly skipped: SkippedRole[] = [];
  private signersOf: Record<string, string[]> = {};

  private constructor(root: RootMetadata, o: TrustedSetOptions) {
    this.gun = o.gun;
    this.now = o.now;
    this.floor = o.floor ?? {};
    this.rootMeta = root;
    this.rootChain = [root.signed.version];
  }

  /** Start from a root already trusted (the trust cache): no pin, its bytes were verified before. */
  static fromTrustedRoot(rootRaw: Buffer, o: TrustedSetOptions): NotaryTrustedSet {
    return new NotaryTrustedSet(parseRoot(rootRaw, 'root (cached)'), o);
  }

  /** Start from a served root validated against a pin (key IDs, CA) or TOFU. */
  static bootstrap(rootRaw: Buffer, o: TrustedSetOptions & { pin: RootPin; role?: string; current?: boolean }): NotaryTrustedSet {
    const root = parseRoot(rootRaw, o.role ?? 'root');
    const set = new NotaryTrustedSet(root, o);
    const current = o.current ?? true;
    const check = checkCurrentRoot(root, o.gun, o.pin, o.now, set.decodedRootKeys, current);
    set.signersOf.root = check.signers;
    // An old root a walk starts from is checked as current by finishRoot if no rotation follows.
    if (current) set.rootCheck = check;
    return set;
  }

  get root(): RootMetadata {
    return this.rootMeta;
  }
  get timestamp(): TimestampMetadata | undefined {
    return this.ts;
  }
  get snapshot(): SnapshotMetadata | undefined {
    return this.snap;
  }
  get targetsRoles(): ReadonlyMap<string, VerifiedRole> {
    return this.roles;
  }
  /** Key IDs whose signatures counted, per top-level role. */
  signers(role: string): string[] {
    return this.signersOf[role] ?? this.roles.get(role)?.signers ?? [];
  }

  /**
   * Rotate to a newer root (spec §8): signed by the trusted root's keys and
   * its own. `expectVersion` when walking N.root.json (the file must say N).
   */
  updateRoot(raw: Buffer, expectVersion?: number): RootMetadata {
    if (this.state !== 'root') misuse('updateRoot', this.state);
    const role = expectVersion !== undefined ? `${expectVersion}.root` : 'root';
    const next = parseRoot(raw, role);
    if (this.rootChain.length > defaults.trust.notary.maxRootRotations) {
      throw refuse('ERR_TRUST_ROOT_ROTATION', role, `more than ${defaults.trust.notary.maxRootRotations} root rotations in one update; refusing to walk further`);
    }
    const r = checkRotation(this.rootMeta, next, this.gun, expectVersion);
    if (next.signed.version !== this.rootMeta.signed.version) {
      this.rootMeta = next;
      this.rootChain.push(next.signed.version);
      this.rootCheck = undefined;
      this.signersOf.root = r.newSigners;
      this.decodedRootKeys.clear();
    } else if (!next.raw.equals(this.rootMeta.raw)) {
      // Same version and signed content, other bytes (signatures, serialisation): the snapshot hashes the served bytes.
      this.rootMeta = next;
      this.rootCheck = undefined;
    }
    return this.rootMeta;
  }

  /** The root is final: it must be current at `now` (certificates and expiry) and not older than the cache. */
  finishRoot(): RootCheck {
    if (this.state !== 'root') misuse('finishRoot', this.state);
    this.requireFloor('root', this.rootMeta.signed.version);
    this.rootCheck ??= checkCurrentRoot(this.rootMeta, this.gun, { kind: 'tofu' }, this.now, this.decodedRootKeys);
    this.signersOf.root = this.rootCheck.signers;
    this.state = 'root-done';
    return this.rootCheck;
  }

  get rootKeyIds(): string[] {
    return this.rootCheck?.keyIds ?? [];
  }

  private requireFloor(role: string, version: number): void {
    const seen = this.floor[role];
    if (seen !== undefined && version < seen) {
      throw refuse('ERR_TRUST_ROLLBACK', role, `${role}: version ${version} is lower than version ${seen} already trusted for ${this.gun}; an old copy is being replayed`, {
        version,
        trustedVersion: seen,
      });
    }
  }

  private topAuthority(role: 'timestamp' | 'snapshot' | 'targets') {
    const spec = this.rootMeta.signed.roles[role];
    return authorityFor(role, this.rootMeta.signed.keys, spec.keyids, spec.threshold, this.decodedRootKeys);
  }

  updateTimestamp(raw: Buffer): TimestampMetadata {
    if (this.state !== 'root-done') misuse('updateTimestamp', this.state);
    const t = parseTimestamp(raw);
    this.signersOf.timestamp = requireThreshold(t, this.topAuthority('timestamp')).signers;
    this.requireFloor('timestamp', t.signed.version);
    requireNotExpired('timestamp', t.signed.expires, this.now);
    this.ts = t;
    this.state = 'timestamp';
    return t;
  }

  /** What the snapshot must match (its length is also the download cap). */
  get snapshotMeta(): FileMeta {
    if (!this.ts) misuse('snapshotMeta', this.state);
    return this.ts.signed.meta.get('snapshot')!;
  }

  updateSnapshot(raw: Buffer): SnapshotMetadata {
    if (this.state !== 'timestamp') misuse('updateSnapshot', this.state);
    checkFileMeta('snapshot', raw, this.snapshotMeta, 'timestamp');
    const s = parseSnapshot(raw);
    this.signersOf.snapshot = requireThreshold(s, this.topAuthority('snapshot')).signers;
    this.requireFloor('snapshot', s.signed.version);
    requireNotExpired('snapshot', s.signed.expires, this.now);
    // spec §8 step 3: the trusted root must be the one this snapshot lists.
    checkFileMeta('root', this.rootMeta.raw, s.signed.meta.get('root')!, 'snapshot');
    this.snap = s;
    this.state = 'snapshot';
    return s;
  }

  /** What a targets role must match, or undefined when the snapshot does not list it (never published). */
  metaFor(role: string): FileMeta | undefined {
    if (!this.snap) misuse('metaFor', this.state);
    return this.snap.signed.meta.get(role);
  }

  /** Verify targets.json; returns the delegations to fetch next, in order. */
  updateTargets(raw: Buffer): string[] {
    if (this.state !== 'snapshot') misuse('updateTargets', this.state);
    checkFileMeta('targets', raw, this.metaFor('targets')!, 'snapshot');
    const t = parseTargets(raw, 'targets');
    const auth = this.topAuthority('targets');
    const signers = requireThreshold(t, auth).signers;
    this.requireFloor('targets', t.signed.version);
    requireNotExpired('targets', t.signed.expires, this.now);
    const role: VerifiedRole = { name: 'targets', metadata: t, signers, keyIds: [...auth.keys.keys()], threshold: auth.threshold, paths: [''] };
    this.roles.set('targets', role);
    this.state = 'targets';
    return this.declare(role);
  }

  /** Queue a role's delegations; the ones the snapshot does not list are recorded as unpublished. */
  private declare(parent: VerifiedRole): string[] {
    const next: string[] = [];
    for (const decl of parent.metadata.signed.delegations.roles) {
      if (this.roles.size + this.pending.size >= defaults.trust.notary.maxDelegations) {
        throw refuse('ERR_TRUST_DELEGATION_PATH', decl.name, `more than ${defaults.trust.notary.maxDelegations} delegated roles; refusing to walk further`);
      }
      if (decl.name.split('/').length - 1 > defaults.trust.notary.maxDelegationDepth) {
        throw refuse('ERR_TRUST_DELEGATION_PATH', decl.name, `${decl.name}: delegations nest deeper than ${defaults.trust.notary.maxDelegationDepth} levels`);
      }
      if (!this.snap!.signed.meta.has(decl.name)) {
        this.skipped.push({ name: decl.name, code: 'UNPUBLISHED', reason: 'declared by its parent but not listed in the snapshot (never published)' });
        continue;
      }
      this.pending.set(decl.name, { parent, decl });
      next.push(decl.name);
    }
    return next;
  }

  /** Delegations still waiting for their file. */
  get pendingDelegations(): string[] {
    return [...this.pending.keys()];
  }

  /**
   * Verify one delegation file. As the Go client does (spec §8), an expired
   * or under-signed delegation only drops its subtree (recorded in
   * `skipped`); a hash, size, rollback or format problem is fatal.
   */
  updateDelegation(name: string, raw: Buffer): string[] {
    if (ORDER[this.state] < ORDER.targets) misuse('updateDelegation', this.state);
    const p = this.pending.get(name);
    if (!p) throw new TypeError(`NotaryTrustedSet: ${name} is not a pending delegation (declared by a verified parent and listed in the snapshot)`);
    this.pending.delete(name);
    checkFileMeta(name, raw, this.metaFor(name)!, 'snapshot');
    const t = parseTargets(raw, name);
    const parentTargets = p.parent.metadata.signed;
    const auth = authorityFor(name, parentTargets.delegations.keys, p.decl.keyids, p.decl.threshold);
    let signers: string[];
    try {
      signers = requireThreshold(t, auth).signers;
      this.requireFloor(name, t.signed.version);
      requireNotExpired(name, t.signed.expires, this.now);
    } catch (e) {
      if (e instanceof TrustError && (e.code === 'ERR_TRUST_THRESHOLD' || e.code === 'ERR_TRUST_EXPIRED')) {
        this.skipped.push({ name, code: e.code, reason: e.message, error: e });
        return [];
      }
      throw e;
    }
    // spec §8: a child path survives only if some parent path is its prefix.
    const paths = p.decl.paths.filter((c) => p.parent.paths.some((pp) => c.startsWith(pp)));
    const role: VerifiedRole = { name, metadata: t, signers, keyIds: p.decl.keyids, threshold: p.decl.threshold, paths, parent: p.parent.name };
    this.roles.set(name, role);
    return this.declare(role);
  }

  /** Versions of every verified role (for the trust cache's floor). */
  versions(): Record<string, number> {
    const v: Record<string, number> = { root: this.rootMeta.signed.version };
    if (this.ts) v.timestamp = this.ts.signed.version;
    if (this.snap) v.snapshot = this.snap.signed.version;
    for (const [n, r] of this.roles) v[n] = r.metadata.signed.version;
    return v;
  }

  /** True once targets and every reachable delegation are verified. */
  get complete(): boolean {
    return this.state === 'targets' && this.pending.size === 0;
  }
}

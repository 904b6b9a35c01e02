/**
 * Notary v1 metadata models (spec §4): parse, check structure, keep the raw
 * served bytes (hashed by the parent role) and the canonical signed bytes
 * (what the signatures cover). No signature or policy checks here.
 */
import { refuse, type TrustRefusalCode } from '../errors.js';
import { defaults } from '../../defaults.js';
import { canonicalJson, parseJson, type JsonObject, type JsonValue } from './json.js';
import { decodeBase64Strict, type NotaryKey } from './keys.js';

export const TOP_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type TopRole = (typeof TOP_ROLES)[number];

/** spec §4: `_type` per role; every delegation file is "Targets". */
const TYPE_OF: Readonly<Record<TopRole, string>> = { root: 'Root', targets: 'Targets', snapshot: 'Snapshot', timestamp: 'Timestamp' };

export interface Signature {
  keyid: string;
  /** Lower-cased, as the Go parser does before lookup (spec §4). */
  method: string;
  sig: Buffer;
}

export interface FileMeta {
  length: number;
  /** Hash name → digest bytes (base64 in the file). */
  hashes: Map<string, Buffer>;
  custom?: JsonValue;
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

export interface DelegationRole extends RoleKeys {
  name: string;
  /** spec §4: string prefixes, `""` = everything; not globs. */
  paths: string[];
}

interface Common {
  version: number;
  expires: Date;
  /** The expiry exactly as written (nanoseconds and offset kept). */
  expiresText: string;
}

export interface RootSigned extends Common {
  type: 'Root';
  consistentSnapshot: boolean;
  keys: Map<string, NotaryKey>;
  roles: Record<TopRole, RoleKeys>;
}

export interface TargetsSigned extends Common {
  type: 'Targets';
  targets: Map<string, FileMeta>;
  delegations: { keys: Map<string, NotaryKey>; roles: DelegationRole[] };
}

export interface SnapshotSigned extends Common {
  type: 'Snapshot';
  /** spec §4: keys are role names without `.json`. */
  meta: Map<string, FileMeta>;
}

export interface TimestampSigned extends Common {
  type: 'Timestamp';
  meta: Map<string, FileMeta>;
}

export interface Envelope<T> {
  /** The role this file was fetched as. */
  role: string;
  /** The bytes exactly as served: parents hash these. */
  raw: Buffer;
  /** Go canonical JSON of `signed`: what signatures cover. */
  signedBytes: Buffer;
  signed: T;
  signatures: Signature[];
}

export type RootMetadata = Envelope<RootSigned>;
export type TargetsMetadata = Envelope<TargetsSigned>;
export type SnapshotMetadata = Envelope<SnapshotSigned>;
export type TimestampMetadata = Envelope<TimestampSigned>;

// ---------------------------------------------------------------- field readers

class Fields {
  constructor(
    readonly role: string,
    private readonly code: TrustRefusalCode = 'ERR_TRUST_MALFORMED',
  ) {}

  fail(path: string, why: string): never {
    throw refuse(this.code, this.role, `${this.role}: ${path} ${why}; the metadata is damaged or not Notary v1 trust data`, { field: path });
  }

  object(v: JsonValue | undefined, path: string): JsonObject {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be an object');
    return v;
  }
  array(v: JsonValue | undefined, path: string): JsonValue[] {
    if (!Array.isArray(v)) this.fail(path, 'must be an array');
    return v;
  }
  string(v: JsonValue | undefined, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    return v;
  }
  int(v: JsonValue | undefined, path: string, min: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(path, `must be an integer >= ${min}`);
    return v;
  }
  b64(v: JsonValue | undefined, path: string): Buffer {
    const s = this.string(v, path);
    const b = decodeBase64Strict(s);
    if (!b) this.fail(path, 'is not standard base64');
    return b;
  }
}

const has = (o: JsonObject, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** RFC 3339 as Go writes it: up to 9 fractional digits, `Z` or an offset (spec §4). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, fraction truncated (exact for "is it before now" at ms precision). */
export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // Date.UTC maps years 0-99 to 1900-1999
  date.setUTCHours(h, mi, se, 0);
  if (date.getUTCDate() !== d) return undefined;
  const base = date.getTime();
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let offset = 0;
  if (m[8] !== 'Z') {
    const sign = m[8]!.startsWith('-') ? -1 : 1;
    const oh = Number(m[8]!.slice(1, 3));
    const om = Number(m[8]!.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return base + ms - offset;
}

function common(f: Fields, s: JsonObject, expectedType: string): Common {
  const type = f.string(s._type, 'signed._type');
  if (type !== expectedType) {
    throw refuse(
      'ERR_TRUST_ROLE_CONFUSION',
      f.role,
      `${f.role}: the file says _type ${JSON.stringify(type)}, expected ${JSON.stringify(expectedType)}; another role's metadata was served in its place`,
      { type },
    );
  }
  const version = f.int(s.version, 'signed.version', 1);
  const expiresText = f.string(s.expires, 'signed.expires');
  const t = parseRfc3339(expiresText);
  if (t === undefined) f.fail('signed.expires', `is not an RFC 3339 time (${JSON.stringify(expiresText)})`);
  return { version, expires: new Date(t), expiresText };
}

function keyMap(f: Fields, v: JsonValue | undefined, path: string): Map<string, NotaryKey> {
  const o = f.object(v, path);
  const out = new Map<string, NotaryKey>();
  for (const [id, kv] of Object.entries(o)) {
    const k = f.object(kv, `${path}.${id}`);
    const keyval = f.object(k.keyval, `${path}.${id}.keyval`);
    // spec §4: `private` is present as null on the wire; metadata never carries private keys.
    if (has(keyval, 'private') && keyval.private !== null) f.fail(`${path}.${id}.keyval.private`, 'must be null (metadata must not carry private keys)');
    out.set(id, { keytype: f.string(k.keytype, `${path}.${id}.keytype`), public: f.string(keyval.public, `${path}.${id}.keyval.public`) });
  }
  return out;
}

function roleKeys(f: Fields, v: JsonValue | undefined, path: string): RoleKeys {
  const o = f.object(v, path);
  const keyids = f.array(o.keyids, `${path}.keyids`).map((k, i) => f.string(k, `${path}.keyids[${i}]`));
  return { keyids, threshold: f.int(o.threshold, `${path}.threshold`, 1) };
}

function fileMeta(f: Fields, v: JsonValue | undefined, path: string): FileMeta {
  const o = f.object(v, path);
  const hashesObj = f.object(o.hashes, `${path}.hashes`);
  const hashes = new Map<string, Buffer>();
  for (const [name, h] of Object.entries(hashesObj)) {
    const b = f.b64(h, `${path}.hashes.${name}`);
    const want = HASH_LENGTHS[name];
    if (want !== undefined && b.length !== want) f.fail(`${path}.hashes.${name}`, `must be ${want} bytes, not ${b.length}`);
    hashes.set(name, b);
  }
  return { length: f.int(o.length, `${path}.length`, 0), hashes, ...(has(o, 'custom') ? { custom: o.custom! } : {}) };
}

/** Hashes we check (spec §8: all present and supported must match, at least one supported). */
export const HASH_LENGTHS: Readonly<Record<string, number>> = { sha256: 32, sha512: 64 };

/** spec §4: `targets/` prefix, [-a-z0-9_/], under 256 characters, a clean path. */
export function isDelegationName(name: string): boolean {
  return (
    name.startsWith('targets/') &&
    name.length <= defaults.trust.notary.delegationNameMax &&
    /^[-a-z0-9_/]+$/.test(name) &&
    !name.endsWith('/') &&
    !name.includes('//')
  );
}

/** A role name the server serves: a top-level role or a delegation. */
export function isRoleName(name: string): boolean {
  return (TOP_ROLES as readonly string[]).includes(name) || isDelegationName(name);
}

// ---------------------------------------------------------------- parsers

function envelope(raw: Buffer, role: string): { f: Fields; signed: JsonObject; signedBytes: Buffer; signatures: Signature[] } {
  const f = new Fields(role);
  const doc = f.object(parseJson(raw, role), 'the file');
  const signed = f.object(doc.signed, 'signed');
  const signatures = f.array(doc.signatures, 'signatures').map((s, i) => {
    const o = f.object(s, `signatures[${i}]`);
    return {
      keyid: f.string(o.keyid, `signatures[${i}].keyid`),
      method: f.string(o.method, `signatures[${i}].method`).toLowerCase(),
      sig: f.b64(o.sig, `signatures[${i}].sig`),
    };
  });
  return { f, signed, signedBytes: canonicalJson(signed, role), signatures };
}

export function parseRoot(raw: Buffer, role = 'root'): RootMetadata {
  const { f, signed: s, signedBytes, signatures } = envelope(raw, role);
  const c = common(f, s, TYPE_OF.root);
  const keys = keyMap(f, s.keys, 'signed.keys');
  const rolesObj = f.object(s.roles, 'signed.roles');
  const roles = {} as Record<TopRole, RoleKeys>;
  for (const r of TOP_ROLES) {
    if (!has(rolesObj, r)) f.fail(`signed.roles.${r}`, 'is missing (a root must define root, targets, snapshot and timestamp)');
    const rk = roleKeys(f, rolesObj[r], `signed.roles.${r}`);
    for (const id of rk.keyids) if (!keys.has(id)) f.fail(`signed.roles.${r}.keyids`, `lists ${id}, which is not in signed.keys`);
    roles[r] = rk;
  }
  return { role, raw, signedBytes, signatures, signed: { type: 'Root', ...c, consistentSnapshot: s.consistent_snapshot === true, keys, roles } };
}

export function parseTargets(raw: Buffer, role: string): TargetsMetadata {
  const { f, signed: s, signedBytes, signatures } = envelope(raw, role);
  const c = common(f, s, TYPE_OF.targets);
  const targetsObj = f.object(s.targets, 'signed.targets');
  const targets = new Map<string, FileMeta>();
  for (const [name, v] of Object.entries(targetsObj)) targets.set(name, fileMeta(f, v, `signed.targets[${JSON.stringify(name)}]`));
  const d = has(s, 'delegations') ? f.object(s.delegations, 'signed.delegations') : (Object.create(null) as JsonObject);
  const keys = has(d, 'keys') ? keyMap(f, d.keys, 'signed.delegations.keys') : new Map<string, NotaryKey>();
  const roles = (has(d, 'roles') ? f.array(d.roles, 'signed.delegations.roles') : []).map((r, i): DelegationRole => {
    const path = `signed.delegations.roles[${i}]`;
    const o = f.object(r, path);
    const name = f.string(o.name, `${path}.name`);
    const rk = roleKeys(f, o, path);
    for (const id of rk.keyids) if (!keys.has(id)) f.fail(`${path}.keyids`, `lists ${id}, which is not in signed.delegations.keys`);
    const paths = has(o, 'paths') ? f.array(o.paths, `${path}.paths`).map((p, j) => f.string(p, `${path}.paths[${j}]`)) : [];
    return { name, ...rk, paths };
  });
  const seen = new Set<string>();
  for (const r of roles) {
    if (!isDelegationName(r.name) || !r.name.startsWith(`${role}/`) || r.name.slice(role.length + 1).includes('/')) {
      throw refuse(
        'ERR_TRUST_DELEGATION_PATH',
        role,
        `${role}: delegates to ${JSON.stringify(r.name)}, which is not a valid direct child role of ${role} (targets/<name>, characters [-a-z0-9_/])`,
        { delegation: r.name },
      );
    }
    if (seen.has(r.name)) f.fail('signed.delegations.roles', `lists ${r.name} twice`);
    seen.add(r.name);
  }
  return { role, raw, signedBytes, signatures, signed: { type: 'Targets', ...c, targets, delegations: { keys, roles } } };
}

export function parseSnapshot(raw: Buffer, role = 'snapshot'): SnapshotMetadata {
  const { f, signed: s, signedBytes, signatures } = envelope(raw, role);
  const c = common(f, s, TYPE_OF.snapshot);
  const metaObj = f.object(s.meta, 'signed.meta');
  const meta = new Map<string, FileMeta>();
  for (const [name, v] of Object.entries(metaObj)) {
    if (name !== 'root' && name !== 'targets' && !isDelegationName(name)) f.fail('signed.meta', `lists ${JSON.stringify(name)}, which is not a role`);
    meta.set(name, fileMeta(f, v, `signed.meta.${name}`));
  }
  // spec §4: root and targets with sha256 are mandatory in a snapshot.
  for (const r of ['root', 'targets']) if (!meta.get(r)?.hashes.has('sha256')) f.fail(`signed.meta.${r}`, 'must be present with a sha256 hash');
  return { role, raw, signedBytes, signatures, signed: { type: 'Snapshot', ...c, meta } };
}

export function parseTimestamp(raw: Buffer, role = 'timestamp'): TimestampMetadata {
  const { f, signed: s, signedBytes, signatures } = envelope(raw, role);
  const c = common(f, s, TYPE_OF.timestamp);
  const metaObj = f.object(s.meta, 'signed.meta');
  const meta = new Map<string, FileMeta>();
  for (const [name, v] of Object.entries(metaObj)) meta.set(name, fileMeta(f, v, `signed.meta.${name}`));
  if (!meta.get('snapshot')?.hashes.has('sha256')) f.fail('signed.meta.snapshot', 'must be present with a sha256 hash');
  return { role, raw, signedBytes, signatures, signed: { type: 'Timestamp', ...c, meta } };
}

/**
 * Structural checks on TUF 1.0 metadata that tuf-js's models (@tufjs/models)
 * leave out, run on every metadata file before tuf-js sees it. Measured
 * against python-tuf's serialization datasets: each check here is a case
 * python-tuf refuses and tuf-js accepts (docs/trust.md, "TUF corpora").
 *
 * Only what tuf-js lets through is checked; the rest (field types, hashes,
 * key values, thresholds, signatures) stays tuf-js's job, so the two layers
 * never disagree about a file both look at.
 */
import { refuse } from '../errors.js';
import type { JsonObject, JsonValue } from '../notary/json.js';

const TOP_LEVEL_ROLES = ['root', 'snapshot', 'targets', 'timestamp'] as const;
type SignedType = (typeof TOP_LEVEL_ROLES)[number];

/** TUF spec §4.2: "spec_version" is a semantic version; tuf-js turns "" into its own default. */
const SPEC_VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?$/;
/**
 * TUF spec §4.2 asks for `YYYY-MM-DDTHH:MM:SSZ`; tough and Go write RFC 3339
 * with fractions and offsets, so RFC 3339 is accepted. tuf-js compares
 * `new Date(expires)`, and an Invalid Date never expires: hence this check.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

class Ctx {
  constructor(readonly file: string) {}
  fail(where: string, what: string): never {
    throw refuse('ERR_TRUST_MALFORMED', this.file, `TUF ${this.file}: ${where} ${what}; the repository must publish well-formed TUF 1.0 metadata`, { field: where });
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function has(o: JsonObject, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
function object(c: Ctx, v: unknown, where: string): JsonObject {
  if (!isObject(v)) c.fail(where, 'must be a JSON object');
  return v;
}

/** A whole metadata file: `{"signed": {...}, "signatures": [...]}`, of any top-level type. */
export function validateTufMetadata(json: JsonValue, file: string): void {
  const c = new Ctx(file);
  const md = object(c, json, 'the document');
  const signed = object(c, md.signed, 'signed');
  const type = signed._type;
  if (typeof type !== 'string' || !(TOP_LEVEL_ROLES as readonly string[]).includes(type)) c.fail('signed._type', `is ${JSON.stringify(type)}, not one of ${TOP_LEVEL_ROLES.join(', ')}`);
  validateSigned(c, signed, type as SignedType, 'signed');
}

/** The signed part of one role's metadata (python-tuf's `<Role>.from_dict`). */
export function validateTufSigned(json: JsonValue, type: SignedType, file = type): void {
  const c = new Ctx(file);
  validateSigned(c, object(c, json, 'signed'), type, 'signed');
}

function validateSigned(c: Ctx, s: JsonObject, type: SignedType, at: string): void {
  if (s._type !== type) c.fail(`${at}._type`, `is ${JSON.stringify(s._type)}, expected "${type}"`);
  const spec = typeof s.spec_version === 'string' ? SPEC_VERSION.exec(s.spec_version) : null;
  if (!spec) c.fail(`${at}.spec_version`, `is ${JSON.stringify(s.spec_version)}, not a version like "1.0.31"`);
  if (spec[1] !== '1') c.fail(`${at}.spec_version`, `is ${JSON.stringify(s.spec_version)}: only TUF 1.x is supported`);
  const v = s.version;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) c.fail(`${at}.version`, `is ${JSON.stringify(v)}, not an integer of at least 1`);
  const exp = s.expires;
  if (typeof exp !== 'string' || !RFC3339.test(exp) || Number.isNaN(Date.parse(exp))) c.fail(`${at}.expires`, `is ${JSON.stringify(exp)}, not an RFC 3339 date-time`);
  TYPE_CHECKS[type](c, s, at);
}

const TYPE_CHECKS: Record<SignedType, (c: Ctx, s: JsonObject, at: string) => void> = {
  root(c, s, at) {
    if (isObject(s.keys)) for (const [id, key] of Object.entries(s.keys)) checkKey(c, id, key, `${at}.keys`);
    if (isObject(s.roles)) {
      const names = Object.keys(s.roles);
      // TUF spec §4.3: root lists exactly the four top-level roles.
      const extra = names.filter((n) => !(TOP_LEVEL_ROLES as readonly string[]).includes(n));
      if (extra.length > 0) c.fail(`${at}.roles`, `lists ${extra.map((n) => JSON.stringify(n)).join(', ')}: root names only root, snapshot, targets and timestamp`);
    }
  },
  timestamp(c, s, at) {
    const meta = object(c, s.meta, `${at}.meta`);
    if (!has(meta, 'snapshot.json')) c.fail(`${at}.meta`, 'has no "snapshot.json" entry');
    checkMetaFile(c, meta['snapshot.json'], `${at}.meta["snapshot.json"]`);
  },
  snapshot(c, s, at) {
    if (isObject(s.meta)) for (const [name, mf] of Object.entries(s.meta)) checkMetaFile(c, mf, `${at}.meta[${JSON.stringify(name)}]`);
  },
  targets(c, s, at) {
    if (has(s, 'delegations')) checkDelegations(c, s.delegations, `${at}.delegations`);
  },
};

function checkKey(c: Ctx, keyId: unknown, _key: JsonValue | undefined, at: string): void {
  if (typeof keyId !== 'string' || keyId === '') c.fail(at, `has a key ID ${JSON.stringify(keyId)} that is not a non-empty string`);
}

function checkMetaFile(c: Ctx, v: JsonValue | undefined, at: string): void {
  if (!isObject(v)) return; // tuf-js refuses a non-object
  if (has(v, 'hashes') && isObject(v.hashes) && Object.keys(v.hashes).length === 0) c.fail(`${at}.hashes`, 'is empty (omit it, or list at least one hash)');
}

function checkDelegations(c: Ctx, v: JsonValue | undefined, at: string): void {
  const d = object(c, v, at);
  if (isObject(d.keys)) for (const [id, key] of Object.entries(d.keys)) checkKey(c, id, key, `${at}.keys`);
  const hasRoles = has(d, 'roles');
  // TUF 1.0.30 (TAP 15): a delegation lists roles or succinct_roles, exactly one.
  if (hasRoles === has(d, 'succinct_roles')) c.fail(at, hasRoles ? 'has both "roles" and "succinct_roles"' : 'has neither "roles" nor "succinct_roles"');
  if (!hasRoles) return;
  if (!Array.isArray(d.roles)) c.fail(`${at}.roles`, 'must be an array');
  const seen = new Set<string>();
  d.roles.forEach((r, i) => {
    const name = checkDelegatedRole(c, r, `${at}.roles[${i}]`);
    if (name === undefined) return;
    if (seen.has(name)) c.fail(`${at}.roles[${i}].name`, `repeats ${JSON.stringify(name)}: delegated role names must be unique`);
    seen.add(name);
  });
}

/** One delegated role; its name when it has one (tuf-js refuses the rest). */
function checkDelegatedRole(c: Ctx, v: JsonValue, at: string): string | undefined {
  if (!isObject(v)) return undefined;
  const name = v.name;
  if (typeof name === 'string') {
    if (name === '') c.fail(`${at}.name`, 'is empty');
    // The top-level names are the repository's own files; a delegation may not take them.
    if ((TOP_LEVEL_ROLES as readonly string[]).includes(name)) c.fail(`${at}.name`, `is ${JSON.stringify(name)}, a top-level role name`);
  }
  if (has(v, 'paths') === has(v, 'path_hash_prefixes')) c.fail(at, has(v, 'paths') ? 'has both "paths" and "path_hash_prefixes"' : 'has neither "paths" nor "path_hash_prefixes"');
  return typeof name === 'string' ? name : undefined;
}

/** The sub-objects, each as python-tuf's `from_dict` sees it (for the serialization corpus and fuzzing). */
export const validateTufPart = {
  key(keyId: unknown, json: JsonValue, file = 'key'): void {
    checkKey(new Ctx(file), keyId, json, 'key');
  },
  metaFile(json: JsonValue, file = 'meta'): void {
    checkMetaFile(new Ctx(file), json, 'meta');
  },
  delegations(json: JsonValue, file = 'delegations'): void {
    checkDelegations(new Ctx(file), json, 'delegations');
  },
  delegatedRole(json: JsonValue, file = 'delegated role'): void {
    checkDelegatedRole(new Ctx(file), json, 'role');
  },
};

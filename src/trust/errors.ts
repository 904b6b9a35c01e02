/**
 * Errors of the trust module. Every refusal has its own stable code so that
 * callers `switch (err.code)`; the attack table of the Notary/TUF spec (§11)
 * maps one attack to one code. A refusal is a VerificationError (exit 1);
 * bad flags or unreadable local files are input errors (exit 2); a server
 * that cannot be reached is a runtime error (exit 3).
 */
import { InputError, RuntimeError, UsageError, VerificationError, type SwarmguardErrorOptions } from '../errors.js';

/** Refusals: the answer is "no". */
export type TrustRefusalCode =
  /** A role's version is lower than one already trusted (cache or rotation chain). */
  | 'ERR_TRUST_ROLLBACK'
  /** Metadata (or the root certificate) is past its expiry at the verification time. */
  | 'ERR_TRUST_EXPIRED'
  /** Bytes do not match the hashes or length the parent role lists (timestamp→snapshot→targets…). */
  | 'ERR_TRUST_MIX_AND_MATCH'
  /** Fewer distinct authorised keys signed than the role's threshold. */
  | 'ERR_TRUST_THRESHOLD'
  /** A key's content does not hash to its key ID, or a key cannot be used (type, strength, certificate). */
  | 'ERR_TRUST_BAD_KEY'
  /** A new root is not signed by the old root's keys and its own, or the version chain is broken. */
  | 'ERR_TRUST_ROOT_ROTATION'
  /** No root certificate's common name matches the GUN. */
  | 'ERR_TRUST_GUN_MISMATCH'
  /** A file is larger than its cap (fixed, or the length its parent lists). */
  | 'ERR_TRUST_TOO_LARGE'
  /** A delegation escapes its parent's paths or name space, or the tag lies outside the role's paths. */
  | 'ERR_TRUST_DELEGATION_PATH'
  /** The tag is signed only in a role Docker ignores (neither targets/releases nor targets). */
  | 'ERR_TRUST_ROLE_CONFUSION'
  /** The signed part cannot be canonicalised as Go does (floats, duplicate keys, invalid UTF-8). */
  | 'ERR_TRUST_NON_CANONICAL'
  /** The metadata is structurally wrong (missing fields, wrong _type, bad base64, ...). */
  | 'ERR_TRUST_MALFORMED'
  /** The root matches none of the pinned key IDs or CAs. */
  | 'ERR_TRUST_PIN_MISMATCH'
  /** No trust anchor: nothing pinned, nothing cached, and --tofu not given. */
  | 'ERR_TRUST_NO_ANCHOR'
  /** The repository has no trust data (a required metadata file is absent). */
  | 'ERR_TRUST_NO_DATA'
  /** The tag is not signed in any role. */
  | 'ERR_TRUST_NOT_SIGNED'
  /** The registry serves another manifest (or none) for the tag than the digest signed for it. */
  | 'ERR_TRUST_REGISTRY_MISMATCH';

/** Runtime failures: the server could not be asked. */
export type TrustRuntimeCode =
  | 'ERR_TRUST_SERVER'
  | 'ERR_TRUST_TIMEOUT'
  | 'ERR_TRUST_NETWORK'
  | 'ERR_TRUST_CACHE'
  /** The server wants a token and none could be had (no or wrong credentials, token refused). */
  | 'ERR_TRUST_AUTH';

/** Input and usage errors: the caller's flags or local files. */
export type TrustInputCode = 'ERR_TRUST_INPUT' | 'ERR_TRUST_USAGE' | 'ERR_TRUST_IMAGE_REF';

export type TrustErrorCode = TrustRefusalCode | TrustRuntimeCode | TrustInputCode;

/** Every refusal code, for docs and exhaustive tests. */
export const TRUST_REFUSAL_CODES: readonly TrustRefusalCode[] = [
  'ERR_TRUST_ROLLBACK',
  'ERR_TRUST_EXPIRED',
  'ERR_TRUST_MIX_AND_MATCH',
  'ERR_TRUST_THRESHOLD',
  'ERR_TRUST_BAD_KEY',
  'ERR_TRUST_ROOT_ROTATION',
  'ERR_TRUST_GUN_MISMATCH',
  'ERR_TRUST_TOO_LARGE',
  'ERR_TRUST_DELEGATION_PATH',
  'ERR_TRUST_ROLE_CONFUSION',
  'ERR_TRUST_NON_CANONICAL',
  'ERR_TRUST_MALFORMED',
  'ERR_TRUST_PIN_MISMATCH',
  'ERR_TRUST_NO_ANCHOR',
  'ERR_TRUST_NO_DATA',
  'ERR_TRUST_NOT_SIGNED',
  'ERR_TRUST_REGISTRY_MISMATCH',
];

/** Trust data refused. `details.role` names the role when one is at fault. Exit 1. */
export class TrustError extends VerificationError {
  declare readonly code: TrustRefusalCode;
  constructor(code: TrustRefusalCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
  /** The role at fault, when there is one. */
  get role(): string | undefined {
    const r = this.details?.role;
    return typeof r === 'string' ? r : undefined;
  }
}

/** The trust server or cache could not be used. Exit 3. */
export class TrustRuntimeError extends RuntimeError {
  declare readonly code: TrustRuntimeCode;
  constructor(code: TrustRuntimeCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** A local file or argument that cannot be used. Exit 2. */
export class TrustInputError extends InputError {
  declare readonly code: TrustInputCode;
  constructor(code: TrustInputCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** A flag combination that makes no sense. Exit 2. */
export class TrustUsageError extends UsageError {
  declare readonly code: TrustInputCode;
  constructor(code: TrustInputCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** Shorthand for a refusal naming the role at fault. */
export function refuse(code: TrustRefusalCode, role: string | undefined, message: string, extra: Record<string, unknown> = {}, cause?: unknown): TrustError {
  return new TrustError(code, message, {
    details: { ...(role !== undefined ? { role } : {}), ...extra },
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function isTrustError(e: unknown): e is TrustError {
  return e instanceof TrustError;
}

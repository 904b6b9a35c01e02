/**
 * Errors of the tokens module. Every code is stable; callers `switch (err.code)`.
 * Messages never contain a token, a secret or an unlock key: they name the
 * part that is wrong and show a fingerprint at most.
 */
import { InputError, RuntimeError, UsageError, VerificationError, type SwarmguardErrorOptions } from '../errors.js';

/** Parts of a join token, named in ERR_TOKEN_MALFORMED. */
export type TokenPart = 'token' | 'prefix' | 'version' | 'fips-flag' | 'digest' | 'secret' | 'parts';

export type TokenErrorCode =
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_ROOT'
  | 'ERR_TOKEN_ROLE'
  | 'ERR_TOKEN_SWARM'
  | 'ERR_TOKEN_SCOPED_MALFORMED'
  | 'ERR_TOKEN_SCOPED_INVALID'
  | 'ERR_TOKEN_SCOPED_EXPIRED'
  | 'ERR_TOKEN_SCOPED_SCOPE'
  | 'ERR_TOKEN_SCOPED_EXHAUSTED'
  | 'ERR_TOKEN_SCOPED_ISSUER'
  | 'ERR_TOKEN_SCOPED_OPTIONS';

export type UnlockErrorCode =
  | 'ERR_UNLOCK_KEY_MALFORMED'
  | 'ERR_UNLOCK_KEY_MISSING'
  | 'ERR_UNLOCK_NODE_KEY_MALFORMED'
  | 'ERR_UNLOCK_PBES2_MALFORMED'
  | 'ERR_UNLOCK_PBES2_UNSUPPORTED'
  | 'ERR_UNLOCK_RECORD_MALFORMED'
  | 'ERR_UNLOCK_RECORD_UNSUPPORTED'
  | 'ERR_UNLOCK_WRONG_KEY'
  | 'ERR_UNLOCK_AUTOLOCK_OFF'
  | 'ERR_UNLOCK_CERT_MALFORMED';

/** A join token, root bundle or scoped token that cannot be read. Exit 2. */
export class TokenFormatError extends InputError {
  declare readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** A caller's flag combination that makes no sense. Exit 2. */
export class TokenUsageError extends UsageError {
  declare readonly code: TokenErrorCode | UnlockErrorCode;
  constructor(code: TokenErrorCode | UnlockErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** A scoped token that is well-formed but not acceptable (signature, expiry, scope, uses). Exit 1. */
export class ScopedTokenRejected extends VerificationError {
  declare readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** A swarm (Engine API) answer that is not what a swarm manager gives. Exit 3. */
export class TokenSwarmError extends RuntimeError {
  declare readonly code: TokenErrorCode | UnlockErrorCode;
  constructor(code: TokenErrorCode | UnlockErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** An unlock key, node key, PBES2 structure or raft-dek record that cannot be read. Exit 2. */
export class UnlockFormatError extends InputError {
  declare readonly code: UnlockErrorCode;
  constructor(code: UnlockErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

/** The unlock key does not open the node key (or its DEK record). Exit 1. */
export class UnlockVerificationError extends VerificationError {
  declare readonly code: UnlockErrorCode;
  constructor(code: UnlockErrorCode, message: string, options?: SwarmguardErrorOptions) {
    super(code, message, options);
  }
}

export function malformedToken(part: TokenPart, why: string, cause?: unknown): TokenFormatError {
  return new TokenFormatError('ERR_TOKEN_MALFORMED', `join token: the ${part} ${why}; copy the token again from \`docker swarm join-token -q worker|manager\``, {
    details: { part },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Limits and fixed numbers of the tokens module (swarmkit spec §1, §6).
 * Kept here, in one object, until they move into src/defaults.ts.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const tokenDefaults = Object.freeze({
  join: {
    prefix: 'SWMTKN',
    /** spec 1.1: v1 is 4 dash-separated parts, v2 (FIPS) 5. */
    v1Parts: 4,
    v2Parts: 5,
    /** spec 1.2: ceil(log36 2^256) = 50. */
    digestChars: 50,
    digestBytes: 32,
    /** spec 1.3: 16 random bytes, ceil(log36 2^128) = 25. */
    secretChars: 25,
    secretBytes: 16,
    /** Anything longer is not a token; refuse before doing any work. */
    maxTokenChars: 256,
    /** Hex characters of sha256(token) shown instead of the token. */
    fingerprintHex: 8,
  },
  roots: {
    /** A trust-root bundle larger than this is not a swarm root. */
    maxBundleBytes: 256 * 1024,
  },
  seen: {
    storeKey: 'tokens/seen.json',
    /** Oldest retired records are dropped past this many. */
    maxRecords: 500,
  },
  unlock: {
    /** spec 6.1 */
    prefix: 'SWMKEY-1-',
    keyBytes: 32,
    maxKeyChars: 128,
    /** spec 6.3: header names SwarmKit writes on the node key. */
    kekVersionHeader: 'kek-version',
    dekHeader: 'raft-dek',
    pendingDekHeader: 'raft-dek-pending',
    needsRotationHeader: 'raft-dek-needs-rotation',
    /** A node key file is a few hundred bytes; refuse anything far larger. */
    maxNodeKeyBytes: 64 * 1024,
    /** spec 6.4: what SwarmKit writes; anything else still decrypts but is reported. */
    pbkdf2Iterations: 2048,
    saltBytes: 8,
    ivBytes: 16,
    aesKeyBytes: 32,
    /** Bounds for hostile PBES2 parameters: never spend more than this on one KDF. */
    maxPbkdf2Iterations: 1_000_000,
    maxSaltBytes: 64,
    maxEncryptedKeyBytes: 16 * 1024,
    /** spec 6.5: the MaybeEncryptedRecord in a header is 78 bytes; allow headroom, never megabytes. */
    maxRecordBytes: 4 * 1024,
    dekBytes: 32,
    secretboxNonceBytes: 24,
  },
  scoped: {
    issuer: 'swarmguard',
    audience: 'swarmguard-token-broker',
    /** Only ES256 is accepted (the allowlist is the type). */
    algorithm: 'ES256' as const,
    keyStoreKey: 'tokens/scoped-issuer.json',
    usesPrefix: 'tokens/scoped-uses',
    defaultTtlMs: HOUR,
    maxTtlMs: 30 * 24 * HOUR,
    defaultUses: 1,
    maxUses: 10_000,
    clockToleranceS: 30,
    maxTokenChars: 4096,
  },
  broker: {
    host: '127.0.0.1',
    maxBodyBytes: 4096,
    requestTimeoutMs: 10_000,
    /** After a scoped token is used up, rotate the real token this long after the last hand-out (the joiner needs it first). */
    rotateGraceMs: 2 * MINUTE,
    path: '/v1/join-token',
  },
  engine: {
    timeoutMs: 30_000,
  },
});

export type TokenDefaults = typeof tokenDefaults;

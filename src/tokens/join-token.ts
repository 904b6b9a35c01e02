/**
 * SwarmKit join tokens (swarmkit spec §1): `SWMTKN-1-<digest36>-<secret36>`
 * and, for FIPS clusters, `SWMTKN-2-<0|1>-<digest36>-<secret36>`.
 * Pure functions: parse, format, digest, fingerprint, constant-time compare.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { toBase36 } from '../core/ids.js';
import { defaults } from '../defaults.js';
import { malformedToken } from './errors.js';

const J = defaults.tokens.join;
const BASE36 = /^[0-9a-z]+$/;

export type JoinRole = 'worker' | 'manager';
export const JOIN_ROLES: readonly JoinRole[] = ['worker', 'manager'];

export interface JoinToken {
  /** 1, or 2 for the FIPS form. */
  version: 1 | 2;
  /** The v2 flag (`SWMTKN-2-1-`): the cluster requires FIPS. False for v1. */
  fips: boolean;
  /** The 50-char base36 digest part, as written. */
  digestPart: string;
  /** SHA-256 of the root bundle the token expects, 64 lowercase hex. */
  rootDigestHex: string;
  /** The 25-char base36 secret part. Never print it. */
  secretPart: string;
}

/** Decode a base36 string of bounded length to a big-endian buffer of `bytes` bytes, or undefined when it does not fit. */
function base36ToBytes(s: string, bytes: number): Buffer | undefined {
  let n = 0n;
  for (const ch of s) n = n * 36n + BigInt(Number.parseInt(ch, 36));
  if (n >> BigInt(bytes * 8) !== 0n) return undefined;
  return Buffer.from(n.toString(16).padStart(bytes * 2, '0'), 'hex');
}

/**
 * Parse a join token strictly: exact prefix and version, exact part count,
 * lowercase base36, exact lengths (50 and 25), values within 256 and 128 bits.
 * Throws ERR_TOKEN_MALFORMED naming the bad part; the message never contains the token.
 */
export function parseJoinToken(input: string): JoinToken {
  if (typeof input !== 'string') throw new TypeError('parseJoinToken: token must be a string');
  const text = input.trim();
  if (text.length === 0) throw malformedToken('token', 'is empty');
  if (text.length > J.maxTokenChars) throw malformedToken('token', `is longer than ${J.maxTokenChars} characters`);
  const parts = text.split('-');
  if (parts[0] !== J.prefix) throw malformedToken('prefix', `is not ${J.prefix}`);
  let version: 1 | 2;
  let fips = false;
  if (parts[1] === '1') {
    version = 1;
    if (parts.length !== J.v1Parts) throw malformedToken('parts', `count is ${parts.length}, a v1 token has ${J.v1Parts} (SWMTKN-1-DIGEST-SECRET)`);
  } else if (parts[1] === '2') {
    version = 2;
    if (parts.length !== J.v2Parts) throw malformedToken('parts', `count is ${parts.length}, a v2 token has ${J.v2Parts} (SWMTKN-2-FIPS-DIGEST-SECRET)`);
    if (parts[2] !== '0' && parts[2] !== '1') throw malformedToken('fips-flag', 'is not 0 or 1');
    fips = parts[2] === '1';
  } else {
    throw malformedToken('version', 'is not 1 or 2');
  }
  const digestPart = parts[parts.length - 2]!;
  const secretPart = parts[parts.length - 1]!;
  checkPart('digest', digestPart, J.digestChars);
  checkPart('secret', secretPart, J.secretChars);
  const digest = base36ToBytes(digestPart, J.digestBytes);
  if (!digest) throw malformedToken('digest', 'is larger than a SHA-256 value');
  if (!base36ToBytes(secretPart, J.secretBytes)) throw malformedToken('secret', 'is larger than 128 bits');
  return { version, fips, digestPart, rootDigestHex: digest.toString('hex'), secretPart };
}

function checkPart(part: 'digest' | 'secret', value: string, chars: number): void {
  if (value.length !== chars) throw malformedToken(part, `has ${value.length} characters, expected ${chars}`);
  if (!BASE36.test(value)) {
    throw malformedToken(part, /^[0-9a-zA-Z]+$/.test(value) ? 'has upper-case letters (tokens are lower-case base36)' : 'has characters outside 0-9a-z');
  }
}

/** SHA-256 of the exact PEM bytes of the trust-root bundle (spec 1.2: not DER, trailing newline included). */
export function rootDigest(rootPem: Uint8Array | string): Buffer {
  return createHash('sha256').update(typeof rootPem === 'string' ? Buffer.from(rootPem, 'utf8') : rootPem).digest();
}

/** The token's digest part for a root: base36, zero-padded to 50. */
export function digestPartFor(rootPem: Uint8Array | string): string {
  return toBase36(rootDigest(rootPem), J.digestChars);
}

export interface FormatJoinTokenOptions {
  /** Emit the v2 form `SWMTKN-2-1-` (FIPS clusters). */
  fips?: boolean;
  /** Source of the 16 secret bytes (tests inject one). */
  random?: (n: number) => Buffer;
}

/** A new join token for this root bundle, in SwarmKit's exact format. */
export function createJoinToken(rootPem: Uint8Array | string, options: FormatJoinTokenOptions = {}): string {
  const secret = (options.random ?? randomBytes)(J.secretBytes);
  if (secret.length !== J.secretBytes) throw new TypeError(`createJoinToken: random source gave ${secret.length} bytes, expected ${J.secretBytes}`);
  const head = options.fips ? `${J.prefix}-2-1` : `${J.prefix}-1`;
  const token = `${head}-${digestPartFor(rootPem)}-${toBase36(secret, J.secretChars)}`;
  secret.fill(0);
  return token;
}

/** SHA-256 of the whole token string: what we store and compare, never the token. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token.trim(), 'utf8').digest();
}

/** A short public name for a token: the first hex characters of its SHA-256. */
export function tokenFingerprint(token: string): string {
  return tokenHash(token).toString('hex').slice(0, J.fingerprintHex);
}

/** Constant-time equality of two tokens (or keys): compares equal-length SHA-256 digests. */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(tokenHash(a), tokenHash(b));
}

/** Constant-time equality of two byte strings of any length (digests first). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Constant-time check that the token's digest part names this root. */
export function digestMatches(token: JoinToken, rootPem: Uint8Array | string): boolean {
  return timingSafeEqual(Buffer.from(token.rootDigestHex, 'hex'), rootDigest(rootPem));
}

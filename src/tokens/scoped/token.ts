/**
 * Scoped join tokens (beyond SwarmKit): a JWS ES256 (compact JWT) bound to a
 * role, an expiry, optionally a node name, a caller address and a cluster,
 * and a use limit. It is never a join token itself: the broker exchanges it
 * for the swarm's real token. Algorithm allowlist: ES256 only.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { StateStore } from '../../store/state-store.js';
import { defaults } from '../../defaults.js';
import { ScopedTokenRejected, TokenFormatError, TokenUsageError } from '../errors.js';
import type { JoinRole } from '../join-token.js';

const S = defaults.tokens.scoped;

export interface ScopedClaims {
  role: JoinRole;
  /** Use limit (counted by the broker). */
  uses: number;
  /** Node name the caller must present. */
  node?: string;
  /** Caller IP address the broker must see. */
  addr?: string;
  /** Swarm ID the real token must belong to. */
  cluster?: string;
}

export interface ScopedToken extends ScopedClaims {
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface ScopedIssuer {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface IssuerFile {
  version: 1;
  kid: string;
  createdAt: string;
  privateJwk: JsonWebKey;
}

/** The issuer key pair in the state store (private, 0600); created on first use. */
export async function loadOrCreateIssuer(store: StateStore, now: Date): Promise<ScopedIssuer> {
  return store.withLock(async () => {
    const raw = await store.read(S.keyStoreKey);
    if (raw) {
      const doc = JSON.parse(raw.toString('utf8')) as IssuerFile;
      const privateKey = createPrivateKey({ key: doc.privateJwk, format: 'jwk' });
      return { kid: doc.kid, privateKey, publicKey: createPublicKey(privateKey) };
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomBytes(8).toString('hex');
    const doc: IssuerFile = { version: 1, kid, createdAt: now.toISOString(), privateJwk: privateKey.export({ format: 'jwk' }) };
    await store.write(S.keyStoreKey, JSON.stringify(doc, null, 2) + '\n');
    return { kid, privateKey, publicKey };
  });
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function normalizeClaims(c: ScopedClaims): ScopedClaims {
  const bad = (why: string) => new TokenUsageError('ERR_TOKEN_SCOPED_OPTIONS', `scoped token: ${why}`);
  if (c.role !== 'worker' && c.role !== 'manager') throw bad('role must be worker or manager');
  if (!Number.isSafeInteger(c.uses) || c.uses < 1 || c.uses > S.maxUses) throw bad(`uses must be 1..${S.maxUses}`);
  if (c.node !== undefined && !NODE_NAME.test(c.node)) throw bad('node must be a hostname-like name (letters, digits, . _ -)');
  if (c.addr !== undefined && !/^[0-9a-fA-F:.]{2,45}$/.test(c.addr)) throw bad('addr must be an IP address');
  return { role: c.role, uses: c.uses, ...(c.node ? { node: c.node } : {}), ...(c.addr ? { addr: normalizeAddr(c.addr) } : {}), ...(c.cluster ? { cluster: c.cluster } : {}) };
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address. */
export function normalizeAddr(a: string): string {
  return a.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

export async function issueScopedToken(issuer: ScopedIssuer, claims: ScopedClaims, options: { now: Date; ttlMs?: number }): Promise<{ token: string; scoped: ScopedToken }> {
  const c = normalizeClaims(claims);
  const ttl = options.ttlMs ?? S.defaultTtlMs;
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > S.maxTtlMs) throw new TokenUsageError('ERR_TOKEN_SCOPED_OPTIONS', `scoped token: the lifetime must be between 1s and ${S.maxTtlMs / 3_600_000}h`);
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + Math.ceil(ttl / 1000);
  const jti = randomBytes(16).toString('hex');
  const token = await new SignJWT({ ...c })
    .setProtectedHeader({ alg: S.algorithm, kid: issuer.kid, typ: 'swarmguard-join+jwt' })
    .setIssuer(S.issuer)
    .setAudience(S.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(issuer.privateKey);
  return { token, scoped: { ...c, jti, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) } };
}

/** Verify signature (ES256 only), issuer, audience, time window and claim types. Scope is checked by checkScope. */
export async function verifyScopedToken(token: string, publicKey: KeyObject, now: Date): Promise<ScopedToken> {
  if (typeof token !== 'string' || token.length === 0 || token.length > S.maxTokenChars || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw new TokenFormatError('ERR_TOKEN_SCOPED_MALFORMED', 'scoped token: not a compact JWS (three base64url parts); pass the token `swarmguard token scoped` printed');
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, publicKey, {
      algorithms: [S.algorithm],
      issuer: S.issuer,
      audience: S.audience,
      currentDate: now,
      clockTolerance: S.clockToleranceS,
      typ: 'swarmguard-join+jwt',
      requiredClaims: ['exp', 'iat', 'nbf', 'jti'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_EXPIRED', 'scoped token: expired; ask for a new one', { cause: e });
    if (e instanceof joseErrors.JOSEError) throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_INVALID', `scoped token: rejected (${e.code}); it was not issued by this broker's key or was altered`, { cause: e });
    throw new TokenFormatError('ERR_TOKEN_SCOPED_MALFORMED', 'scoped token: cannot be decoded', { cause: e });
  }
  const p = payload as Record<string, unknown>;
  try {
    const claims = normalizeClaims({
      role: p.role as JoinRole,
      uses: p.uses as number,
      ...(typeof p.node === 'string' ? { node: p.node } : {}),
      ...(typeof p.addr === 'string' ? { addr: p.addr } : {}),
      ...(typeof p.cluster === 'string' ? { cluster: p.cluster } : {}),
    });
    if (typeof p.jti !== 'string' || !/^[0-9a-f]{32}$/.test(p.jti)) throw new Error('jti');
    return { ...claims, jti: p.jti, issuedAt: new Date((p.iat as number) * 1000), expiresAt: new Date((p.exp as number) * 1000) };
  } catch (e) {
    throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_INVALID', 'scoped token: its claims are not valid', { cause: e });
  }
}

/** Policy, apart from validity: the caller must be the node and address the token names. */
export function checkScope(t: ScopedToken, request: { node?: string | undefined; addr?: string | undefined }): void {
  if (t.node !== undefined && request.node !== t.node) {
    throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_SCOPE', `scoped token ${t.jti.slice(0, 8)}: bound to another node name; present the node name it was issued for`);
  }
  if (t.addr !== undefined && (request.addr === undefined || normalizeAddr(request.addr) !== t.addr)) {
    throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_SCOPE', `scoped token ${t.jti.slice(0, 8)}: bound to another caller address`);
  }
}

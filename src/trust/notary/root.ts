/**
 * Root trust (spec §5, §8): which root-role certificates may sign a root for
 * a GUN, trust pinning, and root rotation (old threshold + new threshold).
 *
 * Only `*-x509` keys count for the root role; the leaf certificate comes
 * first, its CN must be the GUN (or a `prefix*` wildcard of it), no SHA-1,
 * RSA >= 2048, and when validity is checked, the key ID is recomputed from
 * the leaf plus the still-valid intermediates as Go rebuilds it.
 */
import { WEAK_SIGNATURE_ALGORITHMS } from '../../core/x509/algorithms.js';
import type { ParsedCert } from '../../core/x509/types.js';
import { verifyChain } from '../../core/x509/verify.js';
import { toPem } from '../../core/pem.js';
import { refuse, TrustError, type TrustRefusalCode } from '../errors.js';
import { defaults } from '../../defaults.js';
import { computeKeyId, isX509KeyType, type DecodedKey } from './keys.js';
import type { RootMetadata } from './metadata.js';
import { authorityFor, requireThreshold, type RoleAuthority, type SignatureCheck } from './signed.js';

const CN_OID = '2.5.4.3';

/** How the first root is trusted (spec §5 "pinning"). */
export type RootPin =
  /** Root key IDs (as in root.json, or the SPKI "canonical" ID); a root key must be one of them. */
  | { kind: 'key-ids'; keyIds: readonly string[] }
  /** CA certificates: a root leaf must chain to one of them (with the bundle's intermediates). */
  | { kind: 'ca'; cas: readonly ParsedCert[] }
  /** Trust on first use: the root's own signatures and CN==GUN only. */
  | { kind: 'tofu' };

export interface ExcludedKey {
  keyId: string;
  reason: string;
  code: TrustRefusalCode;
}

export interface RootKeys {
  authority: RoleAuthority;
  excluded: ExcludedKey[];
}

/** The leaf's subject common name (Go keeps the last CN attribute). */
export function commonName(cert: ParsedCert): string | undefined {
  let cn: string | undefined;
  for (const rdn of cert.subject.rdns) for (const a of rdn) if (a.type === CN_OID && a.text !== undefined) cn = a.text;
  return cn;
}

/** spec §5: CN equals the GUN, or ends in `*` and is a prefix of it (`docker.io/myorg/*`). */
export function cnMatchesGun(cn: string | undefined, gun: string): boolean {
  if (cn === undefined) return false;
  if (cn === gun) return true;
  return cn.endsWith('*') && gun.startsWith(cn.slice(0, -1));
}

const isCa = (c: ParsedCert): boolean => c.ext.basicConstraints?.ca === true;

function certProblem(c: ParsedCert, now: Date | undefined): { code: TrustRefusalCode; reason: string } | undefined {
  if (c.notBefore.getTime() > c.notAfter.getTime()) return { code: 'ERR_TRUST_BAD_KEY', reason: 'the certificate ends before it starts' };
  const weak = WEAK_SIGNATURE_ALGORITHMS[c.signatureAlgorithm.oid];
  if (weak) return { code: 'ERR_TRUST_BAD_KEY', reason: `the certificate is signed with ${weak}` };
  if (now) {
    if (c.notBefore.getTime() > now.getTime() + defaults.trust.notary.certNotBeforeLeewayMs) {
      return { code: 'ERR_TRUST_EXPIRED', reason: `the certificate is not valid before ${c.notBefore.toISOString()}` };
    }
    if (c.notAfter.getTime() < now.getTime()) return { code: 'ERR_TRUST_EXPIRED', reason: `the certificate expired at ${c.notAfter.toISOString()}` };
  }
  return undefined;
}

/**
 * The root-role keys that may sign a root for `gun`. With `now`, certificate
 * validity is checked and the key ID recomputed from the valid chain; without
 * it (intermediate roots of a rotation walk), expiry is not checked (spec §8).
 */
export function rootSigningKeys(root: RootMetadata, gun: string, now: Date | undefined, decoded = new Map<string, DecodedKey>()): RootKeys {
  const spec = root.signed.roles.root;
  const all = authorityFor(root.role, root.signed.keys, spec.keyids, spec.threshold, decoded);
  const keys = new Map<string, DecodedKey>();
  const excluded: ExcludedKey[] = [];
  for (const [id, k] of all.keys) {
    const why = rootKeyProblem(id, k, gun, now);
    if (why) excluded.push({ keyId: id, ...why });
    else keys.set(id, k);
  }
  return { authority: { role: 'root', keys, threshold: spec.threshold }, excluded };
}

function rootKeyProblem(id: string, k: DecodedKey, gun: string, now: Date | undefined): { code: TrustRefusalCode; reason: string } | undefined {
  if (!isX509KeyType(k.keytype)) return { code: 'ERR_TRUST_BAD_KEY', reason: `a root key must be a certificate (ecdsa-x509 or rsa-x509), not ${k.keytype}` };
  if (!k.key || !k.certs || k.certs.length === 0) return { code: 'ERR_TRUST_BAD_KEY', reason: k.problem ?? 'no certificate' };
  const [leaf, ...rest] = k.certs as [ParsedCert, ...ParsedCert[]];
  if (isCa(leaf)) return { code: 'ERR_TRUST_BAD_KEY', reason: 'the first certificate is a CA; a root key must start with its leaf certificate' };
  if (rest.some((c) => !isCa(c))) return { code: 'ERR_TRUST_BAD_KEY', reason: 'the bundle holds more than one leaf certificate' };
  const cn = commonName(leaf);
  if (!cnMatchesGun(cn, gun)) return { code: 'ERR_TRUST_GUN_MISMATCH', reason: `the certificate is for ${JSON.stringify(cn ?? '')}, not ${JSON.stringify(gun)}` };
  const p = certProblem(leaf, now);
  if (p) return p;
  if (now && rest.length > 0) {
    // spec §5: Go rebuilds the key from the leaf and the still-valid intermediates; the ID must still match.
    const valid = rest.filter((c) => !certProblem(c, now));
    const pem = [leaf, ...valid].map((c) => toPem('CERTIFICATE', c.der)).join('');
    if (computeKeyId(k.keytype, Buffer.from(pem).toString('base64')) !== id) {
      return { code: 'ERR_TRUST_EXPIRED', reason: 'an intermediate certificate in the bundle is not valid at this time' };
    }
  }
  return undefined;
}

/** The refusal when no root key is usable: the most specific reason wins. */
function noUsableKeys(role: string, gun: string, excluded: ExcludedKey[]): TrustError {
  const order: TrustRefusalCode[] = ['ERR_TRUST_GUN_MISMATCH', 'ERR_TRUST_EXPIRED', 'ERR_TRUST_BAD_KEY'];
  const code = order.find((c) => excluded.some((e) => e.code === c)) ?? 'ERR_TRUST_BAD_KEY';
  const first = excluded.find((e) => e.code === code);
  const hint =
    code === 'ERR_TRUST_GUN_MISMATCH'
      ? `; check --gun (a root certificate's CN must be the GUN, e.g. 127.0.0.1:5000/library/demo or docker.io/library/alpine)`
      : code === 'ERR_TRUST_EXPIRED'
        ? '; the repository owner must rotate the root key (notary key rotate GUN root)'
        : '';
  return refuse(code, role, `${role}: no root key can sign for ${gun}: ${first ? `${first.keyId.slice(0, 12)}…: ${first.reason}` : 'the root role lists no keys'}${hint}`, {
    excluded,
  });
}

function applyPin(rk: RootKeys, pin: RootPin, now: Date, role: string): RoleAuthority {
  if (pin.kind === 'tofu') return rk.authority;
  const keys = new Map<string, DecodedKey>();
  for (const [id, k] of rk.authority.keys) {
    if (pin.kind === 'key-ids') {
      if (pin.keyIds.includes(id) || pin.keyIds.includes(k.canonicalId)) keys.set(id, k);
    } else {
      const [leaf, ...intermediates] = k.certs!;
      // Pinning the root certificate itself (no CA) is allowed: Go's pool accepts a leaf found in the roots.
      if (pin.cas.some((ca) => ca.der.equals(leaf!.der)) || verifyChain({ leaf: leaf!, intermediates, roots: pin.cas, at: now, purpose: 'any' }).ok) keys.set(id, k);
    }
  }
  if (keys.size === 0) {
    const have = [...rk.authority.keys.keys()];
    throw refuse(
      'ERR_TRUST_PIN_MISMATCH',
      role,
      pin.kind === 'key-ids'
        ? `${role}: none of the root keys (${have.join(', ') || 'none usable'}) is pinned (${pin.keyIds.join(', ')}); if the owner rotated the root key, pin the new key ID after checking it out of band`
        : `${role}: no root certificate chains to the pinned CA (--root-ca); the root was not issued under that CA`,
      { rootKeyIds: have },
    );
  }
  return { ...rk.authority, keys };
}

export interface RootCheck {
  signers: string[];
  /** Root key IDs usable now (after GUN, validity and pin checks). */
  keyIds: string[];
}

/** Metadata expiry: ERR_TRUST_EXPIRED. */
export function requireNotExpired(role: string, expires: Date, now: Date): void {
  if (expires.getTime() < now.getTime()) {
    throw refuse('ERR_TRUST_EXPIRED', role, `${role}: expired at ${expires.toISOString()} (checked at ${now.toISOString()}); a frozen or stale repository is refused`, {
      expires: expires.toISOString(),
      at: now.toISOString(),
    });
  }
}

/**
 * A root as the current trust anchor at `now`: unexpired, and signed by a
 * threshold of its own usable root keys that also satisfy the pin. With
 * `current` false (an old pinned root a rotation walk starts from), neither
 * the certificates' validity nor the root's expiry is checked.
 */
export function checkCurrentRoot(root: RootMetadata, gun: string, pin: RootPin, now: Date, decoded?: Map<string, DecodedKey>, current = true): RootCheck {
  const rk = rootSigningKeys(root, gun, current ? now : undefined, decoded);
  if (rk.authority.keys.size === 0) throw noUsableKeys(root.role, gun, rk.excluded);
  const auth = applyPin(rk, pin, now, root.role);
  let sig: SignatureCheck;
  try {
    sig = requireThreshold(root, auth);
  } catch (e) {
    // Not enough valid keys because some were excluded (expired, other CN): say that, not just "threshold".
    if (e instanceof TrustError && rk.excluded.length > 0 && auth.keys.size < auth.threshold) throw noUsableKeys(root.role, gun, rk.excluded);
    throw e;
  }
  if (current) requireNotExpired(root.role, root.signed.expires, now);
  return { signers: sig.signers, keyIds: [...auth.keys.keys()] };
}

/**
 * One rotation step (spec §8): `next` must be newer, signed by a threshold of
 * `prev`'s root keys (CN==GUN, expiry not checked) and by a threshold of its
 * own. Refusals: ERR_TRUST_ROLLBACK, ERR_TRUST_ROOT_ROTATION.
 */
export function checkRotation(prev: RootMetadata, next: RootMetadata, gun: string, expectVersion?: number): { oldSigners: string[]; newSigners: string[] } {
  const pv = prev.signed.version;
  const nv = next.signed.version;
  if (nv < pv) {
    throw refuse('ERR_TRUST_ROLLBACK', next.role, `${next.role}: version ${nv} is lower than the trusted root's version ${pv}; an old root is being replayed`, {
      version: nv,
      trustedVersion: pv,
    });
  }
  if (expectVersion !== undefined && nv !== expectVersion) {
    throw refuse('ERR_TRUST_ROOT_ROTATION', next.role, `${next.role}: says version ${nv} but was served as version ${expectVersion}; the rotation chain is broken`, {
      version: nv,
      expected: expectVersion,
    });
  }
  if (nv === pv) {
    if (next.raw.equals(prev.raw) || next.signedBytes.equals(prev.signedBytes)) return { oldSigners: [], newSigners: [] };
    throw refuse('ERR_TRUST_ROOT_ROTATION', next.role, `${next.role}: a different root with the trusted version ${pv}; two roots with one version mean a forked repository`, {
      version: nv,
    });
  }
  const step = (auth: RootKeys, which: string): string[] => {
    try {
      if (auth.authority.keys.size === 0) throw noUsableKeys(next.role, gun, auth.excluded);
      return requireThreshold(next, auth.authority, `${next.role} (by the ${which} root keys)`).signers;
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      throw refuse(
        'ERR_TRUST_ROOT_ROTATION',
        next.role,
        `root rotation ${pv} → ${nv}: the new root is not signed by a threshold of the ${which} root keys (${e.message}); a root must be signed by the old keys and its own`,
        { from: pv, to: nv, which },
        e,
      );
    }
  };
  const oldSigners = step(rootSigningKeys(prev, gun, undefined), 'old');
  const newSigners = step(rootSigningKeys(next, gun, undefined), 'new');
  return { oldSigners, newSigners };
}

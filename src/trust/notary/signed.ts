/**
 * Signature thresholds over Notary envelopes (spec §6): which keys may sign a
 * role, which signature methods map onto which scheme, and how many
 * distinct keys signed.
 */
import { refuse } from '../errors.js';
import { verifySignatureBytes, type SchemeOptions, type SignatureScheme } from '../signatures.js';
import { decodeKey, type DecodedKey, type NotaryKey } from './keys.js';
import type { Envelope } from './metadata.js';

/** spec §6: Notary's method names (lower-cased) → scheme. ECDSA always hashes with SHA-256, even on P-384. */
export const NOTARY_METHODS: Readonly<Record<string, { scheme: SignatureScheme; options: SchemeOptions }>> = {
  ecdsa: { scheme: 'ecdsa-p1363', options: { hash: 'sha256' } },
  eddsa: { scheme: 'ed25519', options: {} },
  rsapss: { scheme: 'rsa-pss', options: { hash: 'sha256', saltLength: 32 } },
  rsapkcs1v15: { scheme: 'rsa-pkcs1v15', options: { hash: 'sha256' } },
};

/** Who may sign a role: its keys (by listed ID) and its threshold. */
export interface RoleAuthority {
  role: string;
  keys: Map<string, DecodedKey>;
  threshold: number;
}

/**
 * Build a role's authority from a key table and the role's key IDs. A listed
 * key whose content does not hash to its ID is a key-ID spoof: refused.
 */
export function authorityFor(role: string, table: Map<string, NotaryKey>, keyids: readonly string[], threshold: number, decoded?: Map<string, DecodedKey>): RoleAuthority {
  const keys = new Map<string, DecodedKey>();
  for (const id of keyids) {
    const k = table.get(id);
    if (!k) throw refuse('ERR_TRUST_MALFORMED', role, `${role}: key ${id} is listed for the role but not defined`);
    const d = decoded?.get(id) ?? decodeKey(k);
    decoded?.set(id, d);
    if (d.id !== id) {
      throw refuse(
        'ERR_TRUST_BAD_KEY',
        role,
        `${role}: the key listed as ${id} hashes to ${d.id}; a key ID must be the SHA-256 of the key, so the metadata was tampered with`,
        { keyId: id, computedId: d.id },
      );
    }
    keys.set(id, d);
  }
  return { role, keys, threshold };
}

export interface SignatureCheck {
  /** Key IDs whose signature verified, one per distinct key. */
  signers: string[];
  /** Why other signatures did not count (unknown key, bad signature, unsupported method). */
  rejected: Array<{ keyid: string; reason: string }>;
}

/** Count valid signatures by distinct authorised keys; never throws for a bad signature. */
export function countSignatures(env: Envelope<unknown>, auth: RoleAuthority): SignatureCheck {
  const signers: string[] = [];
  const rejected: SignatureCheck['rejected'] = [];
  const seenKeys = new Set<string>();
  for (const s of env.signatures) {
    const key = auth.keys.get(s.keyid);
    if (!key) {
      rejected.push({ keyid: s.keyid, reason: `not a key of ${auth.role}` });
      continue;
    }
    if (!key.key) {
      rejected.push({ keyid: s.keyid, reason: `the key cannot be used: ${key.problem ?? 'unknown problem'}` });
      continue;
    }
    const m = NOTARY_METHODS[s.method];
    if (!m) {
      rejected.push({ keyid: s.keyid, reason: `signature method ${JSON.stringify(s.method)} is not one of ${Object.keys(NOTARY_METHODS).join(', ')}` });
      continue;
    }
    // Two key IDs can name one public key (an ecdsa key and a certificate for it): count the key once.
    const distinct = key.key.spki.toString('base64');
    if (seenKeys.has(distinct)) continue;
    if (!verifySignatureBytes(m.scheme, key.key, env.signedBytes, s.sig, m.options)) {
      rejected.push({ keyid: s.keyid, reason: `the ${s.method} signature does not verify` });
      continue;
    }
    seenKeys.add(distinct);
    signers.push(s.keyid);
  }
  return { signers, rejected };
}

/** Require `threshold` distinct valid signatures; ERR_TRUST_THRESHOLD otherwise. */
export function requireThreshold(env: Envelope<unknown>, auth: RoleAuthority, what = env.role): SignatureCheck {
  const r = countSignatures(env, auth);
  if (r.signers.length < auth.threshold) {
    const why = r.rejected.length ? ` (${r.rejected.slice(0, 5).map((x) => `${x.keyid.slice(0, 12)}…: ${x.reason}`).join('; ')})` : '';
    throw refuse(
      'ERR_TRUST_THRESHOLD',
      env.role,
      `${what}: ${r.signers.length} valid signature(s) by ${auth.role} keys, threshold ${auth.threshold}${why}; the metadata is not signed by the keys trusted for this role`,
      { valid: r.signers.length, threshold: auth.threshold, signers: r.signers, rejected: r.rejected, authorisedKeys: [...auth.keys.keys()] },
    );
  }
  return r;
}

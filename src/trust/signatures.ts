/**
 * The signature check every trust verifier goes through: one table row per
 * scheme (STYLE habit 9), node:crypto underneath, `false` for any mismatch or
 * library error, never an exception for a bad signature.
 *
 * Notary v1 sends ECDSA as raw r‖s (IEEE P1363), TUF as DER; both hash with
 * the scheme's hash. The Notary method names map onto these rows in
 * notary/methods.ts.
 */
import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { Tag } from '../core/der.js';
import { inspectPublicKey, keyProblem, parseAlgorithmIdentifier, type PublicKeyInfo } from '../core/x509/algorithms.js';
import { expect, kids, octetAlignedBits, top } from '../core/x509/asn1.js';
import { defaults } from '../defaults.js';

export type SignatureScheme = 'ecdsa-p1363' | 'ecdsa-der' | 'ed25519' | 'rsa-pss' | 'rsa-pkcs1v15';
export type DigestName = 'sha256' | 'sha384' | 'sha512';

/** A public key that passed the key policy and is loaded into node:crypto. */
export interface UsableKey {
  algorithm: 'ec' | 'rsa' | 'ed25519';
  keyObject: KeyObject;
  /** P-256, P-384, P-521 for EC keys. */
  curve?: string;
  bits?: number;
  /** The SubjectPublicKeyInfo DER: two keys are the same key when these are equal. */
  spki: Buffer;
}

export interface SchemeOptions {
  /** Digest for ECDSA and RSA schemes (Notary: always sha256). */
  hash?: DigestName;
  /** RSA-PSS salt length in bytes (Notary: 32). */
  saltLength?: number;
}

interface SchemeRow {
  keys: readonly UsableKey['algorithm'][];
  verify(key: UsableKey, msg: Uint8Array, sig: Uint8Array, o: Required<SchemeOptions>): boolean;
}

const EC_COORD_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

const SCHEMES: Readonly<Record<SignatureScheme, SchemeRow>> = {
  'ecdsa-p1363': {
    keys: ['ec'],
    // spec §6: r‖s, each left-padded to the curve byte length; any other length is refused.
    verify: (k, msg, sig, o) =>
      sig.length === 2 * (EC_COORD_BYTES[k.curve ?? ''] ?? -1) && cryptoVerify(o.hash, msg, { key: k.keyObject, dsaEncoding: 'ieee-p1363' }, sig),
  },
  'ecdsa-der': {
    keys: ['ec'],
    verify: (k, msg, sig, o) => cryptoVerify(o.hash, msg, { key: k.keyObject, dsaEncoding: 'der' }, sig),
  },
  ed25519: {
    keys: ['ed25519'],
    verify: (k, msg, sig) => sig.length === 64 && cryptoVerify(null, msg, k.keyObject, sig),
  },
  'rsa-pss': {
    keys: ['rsa'],
    verify: (k, msg, sig, o) =>
      cryptoVerify(o.hash, msg, { key: k.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: o.saltLength }, sig),
  },
  'rsa-pkcs1v15': {
    keys: ['rsa'],
    verify: (k, msg, sig, o) => cryptoVerify(o.hash, msg, { key: k.keyObject, padding: constants.RSA_PKCS1_PADDING }, sig),
  },
};

/** Verify one signature. False on any mismatch: wrong key kind, bad length, bad signature, library error. */
export function verifySignatureBytes(scheme: SignatureScheme, key: UsableKey, msg: Uint8Array, sig: Uint8Array, options: SchemeOptions = {}): boolean {
  const row = SCHEMES[scheme];
  if (!row || !row.keys.includes(key.algorithm)) return false;
  try {
    return row.verify(key, msg, sig, { hash: options.hash ?? 'sha256', saltLength: options.saltLength ?? 32 });
  } catch {
    return false;
  }
}

export type KeyResult = { ok: true; key: UsableKey } | { ok: false; reason: string };

const KEY_POLICY = {
  minRsaBits: defaults.trust.notary.minRsaBits,
  maxRsaBits: defaults.trust.notary.maxRsaBits,
  curves: defaults.trust.notary.curves,
};

/** A key from its PublicKeyInfo (as the X.509 parser gives it), checked against the key policy. */
export function usableKeyFromInfo(info: PublicKeyInfo, spki: Buffer): KeyResult {
  const problem = keyProblem(info, KEY_POLICY);
  if (problem) return { ok: false, reason: problem };
  if (info.algorithm !== 'ec' && info.algorithm !== 'rsa' && info.algorithm !== 'ed25519') {
    return { ok: false, reason: `${info.algorithm} keys are not accepted` };
  }
  return {
    ok: true,
    key: {
      algorithm: info.algorithm,
      keyObject: info.keyObject!,
      ...(info.curve !== undefined ? { curve: info.curve } : {}),
      ...(info.bits !== undefined ? { bits: info.bits } : {}),
      spki,
    },
  };
}

/** Parse a DER SubjectPublicKeyInfo strictly and apply the key policy. Never throws. */
export function usableKeyFromSpki(spki: Uint8Array): KeyResult {
  const buf = Buffer.from(spki);
  try {
    const d = { buf };
    const outer = expect(top(buf, 'SubjectPublicKeyInfo'), Tag.SEQUENCE, 'SubjectPublicKeyInfo');
    const [algT, bitsT, extra] = kids(d, outer, 'SubjectPublicKeyInfo', 3);
    if (extra) return { ok: false, reason: 'the SubjectPublicKeyInfo has extra fields' };
    const alg = parseAlgorithmIdentifier(d, algT, 'SubjectPublicKeyInfo algorithm');
    const bits = octetAlignedBits(d, bitsT, 'subjectPublicKey');
    return usableKeyFromInfo(inspectPublicKey(buf, alg, bits), buf);
  } catch (e) {
    return { ok: false, reason: `the SubjectPublicKeyInfo is malformed (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** spec §6: an Ed25519 key is the raw 32 bytes; node wants it wrapped in an SPKI. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function usableKeyFromEd25519(raw: Uint8Array): KeyResult {
  if (raw.length !== 32) return { ok: false, reason: `an Ed25519 public key is 32 bytes, not ${raw.length}` };
  const spki = Buffer.concat([ED25519_SPKI_PREFIX, raw]);
  try {
    return { ok: true, key: { algorithm: 'ed25519', keyObject: createPublicKey({ key: spki, format: 'der', type: 'spki' }), bits: 256, spki } };
  } catch (e) {
    return { ok: false, reason: `the Ed25519 key cannot be loaded (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * Algorithm knowledge for X.509 verification in one place: the signature
 * algorithms we verify (one row each), the ones we refuse as weak, public
 * key inspection and the key policy.
 */
import { createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { defaults } from '../../defaults.js';
import { TAG, expect, fail, integerBytes, kids, oidOf, smallUint, top, whole, type Der } from './asn1.js';
import type { Tlv } from '../der.js';

export type Hash = 'sha256' | 'sha384' | 'sha512';
export type SignatureKind = 'ecdsa' | 'rsa-pkcs1' | 'rsa-pss' | 'ed25519';

export interface AlgorithmIdentifier {
  oid: string;
  /** DER of the parameters, if any. */
  params: Buffer | undefined;
  /** DER of the whole AlgorithmIdentifier. */
  der: Buffer;
}

interface SignatureRow {
  name: string;
  kind: SignatureKind;
  hash: Hash | null;
  /** How the parameters must look: absent, NULL (absent tolerated), or RSASSA-PSS-params. */
  params: 'absent' | 'null' | 'pss';
}

const HASH_OIDS: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithms we verify. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureRow>> = {
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', kind: 'ecdsa', hash: 'sha256', params: 'absent' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', kind: 'ecdsa', hash: 'sha384', params: 'absent' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', kind: 'ecdsa', hash: 'sha512', params: 'absent' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', kind: 'rsa-pkcs1', hash: 'sha256', params: 'null' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', kind: 'rsa-pkcs1', hash: 'sha384', params: 'null' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', kind: 'rsa-pkcs1', hash: 'sha512', params: 'null' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', kind: 'rsa-pss', hash: null, params: 'pss' },
  '1.3.101.112': { name: 'Ed25519', kind: 'ed25519', hash: null, params: 'absent' },
};

/** Signature algorithms refused as weak (collision-broken digests), by name for the message. */
export const WEAK_SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSASignature (OIW)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};

export const SIGNATURE_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  ...WEAK_SIGNATURE_ALGORITHMS,
  ...Object.fromEntries(Object.entries(SIGNATURE_ALGORITHMS).map(([oid, r]) => [oid, r.name])),
};

const SHA1_OID = '1.3.14.3.2.26';
const MGF1_OID = '1.2.840.113549.1.1.8';

/**
 * An AlgorithmIdentifier. Only the outer SEQUENCE is required at parse
 * time (as BoringSSL does); contents we cannot read give oid '' and are
 * refused when a signature is verified.
 */
export function parseAlgorithmIdentifier(d: Der, t0: Tlv | undefined, field: string): AlgorithmIdentifier {
  const t = expect(t0, TAG.SEQUENCE, field);
  const der = whole(d, t);
  try {
    const [oidT, paramsT, extra] = kids(d, t, field);
    if (extra) fail(`${field} has extra fields`);
    return { oid: oidOf(d, oidT, `${field} algorithm`), params: paramsT ? whole(d, paramsT) : undefined, der };
  } catch {
    return { oid: '', params: undefined, der };
  }
}

const isNull = (p: Buffer | undefined): boolean => p !== undefined && p.length === 2 && p[0] === TAG.NULL && p[1] === 0;

export interface ResolvedSignature {
  name: string;
  kind: SignatureKind;
  hash: Hash | null;
  saltLength?: number;
}

export type SignatureLookup =
  | { ok: true; alg: ResolvedSignature }
  | { ok: false; weak: boolean; reason: string };

/** RSASSA-PSS-params (RFC 4055): hash, MGF1 with the same hash, salt length, trailer 1. */
function resolvePss(params: Buffer | undefined): SignatureLookup {
  if (!params) return { ok: false, weak: false, reason: 'RSASSA-PSS without parameters' };
  let hash: string = SHA1_OID;
  let mgfHash: string = SHA1_OID;
  let salt = 20;
  try {
    const d = { buf: params };
    const seq = top(params, 'RSASSA-PSS-params');
    expect(seq, TAG.SEQUENCE, 'RSASSA-PSS-params');
    let lastTag = -1;
    for (const f of kids(d, seq, 'RSASSA-PSS-params', 4)) {
      if (f.tag <= lastTag) fail('RSASSA-PSS-params fields out of order');
      lastTag = f.tag;
      const [inner, extra] = kids(d, f, 'RSASSA-PSS-params field');
      if (!inner || extra) fail('RSASSA-PSS-params field must be one element');
      if (f.tag === 0xa0) hash = hashOf(d, inner, 'PSS hash');
      else if (f.tag === 0xa1) {
        expect(inner, TAG.SEQUENCE, 'PSS maskGenAlgorithm');
        const [mOid, mParams, more] = kids(d, inner, 'PSS maskGenAlgorithm');
        if (more || !mParams || oidOf(d, mOid!, 'PSS MGF') !== MGF1_OID) fail('PSS mask generation is not MGF1');
        mgfHash = hashOf(d, mParams, 'PSS MGF1 hash');
      } else if (f.tag === 0xa2) salt = smallUint(d, inner, 'PSS saltLength', 1024);
      else if (f.tag === 0xa3) {
        if (smallUint(d, inner, 'PSS trailerField', 1) !== 1) fail('PSS trailerField is not 1');
      } else fail('RSASSA-PSS-params has an unknown field');
    }
  } catch {
    return { ok: false, weak: false, reason: 'the RSASSA-PSS parameters are malformed' };
  }
  if (hash !== mgfHash) return { ok: false, weak: false, reason: 'RSASSA-PSS uses different message and MGF1 hashes' };
  const h = HASH_OIDS[hash];
  if (!h) return { ok: false, weak: hash === SHA1_OID, reason: `the signature uses RSASSA-PSS with ${hash === SHA1_OID ? 'SHA-1' : hash}` };
  return { ok: true, alg: { name: `RSASSA-PSS-${h.toUpperCase()}`, kind: 'rsa-pss', hash: h, saltLength: salt } };
}

function hashOf(d: Der, t: Tlv, field: string): string {
  expect(t, TAG.SEQUENCE, field);
  const [o, p, extra] = kids(d, t, field);
  if (extra || (p && !(p.tag === TAG.NULL && p.end === p.contentStart))) fail(`${field} has bad parameters`);
  return oidOf(d, o!, field);
}

/** Which algorithm a certificate's signature uses, or why we will not verify it. */
export function resolveSignatureAlgorithm(alg: AlgorithmIdentifier): SignatureLookup {
  const weak = WEAK_SIGNATURE_ALGORITHMS[alg.oid];
  if (weak) return { ok: false, weak: true, reason: `the signature uses ${weak}` };
  const row = SIGNATURE_ALGORITHMS[alg.oid];
  if (!row) return { ok: false, weak: false, reason: alg.oid ? `the signature algorithm ${alg.oid} is not supported` : 'the signature algorithm is malformed' };
  if (row.params === 'absent' && alg.params !== undefined) return { ok: false, weak: false, reason: `${row.name} must have no parameters` };
  if (row.params === 'null' && alg.params !== undefined && !isNull(alg.params)) return { ok: false, weak: false, reason: `${row.name} parameters must be NULL` };
  if (row.params === 'pss') return resolvePss(alg.params);
  return { ok: true, alg: { name: row.name, kind: row.kind, hash: row.hash } };
}

// ---------------------------------------------------------------- public keys

export type KeyAlgorithm = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'unknown';

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm;
  /** Named curve for EC keys (P-256, P-384, P-521, or the OID / 'explicit'). */
  curve?: string;
  /** Modulus size for RSA, field size for EC, 256 for Ed25519. */
  bits?: number;
  /** Why node could not load the key, if it could not. */
  error?: string;
  keyObject?: KeyObject;
}

const KEY_OIDS: Record<string, KeyAlgorithm> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
  '1.2.840.10040.4.1': 'dsa',
};

const CURVES: Record<string, { name: string; bits: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', bits: 256 },
  '1.3.132.0.34': { name: 'P-384', bits: 384 },
  '1.3.132.0.35': { name: 'P-521', bits: 521 },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256 },
  '1.2.840.10045.3.1.1': { name: 'P-192', bits: 192 },
  '1.3.132.0.33': { name: 'P-224', bits: 224 },
};

/** RSA keys larger than this are not even loaded (bounds work on hostile input). */
const RSA_LOAD_LIMIT_BITS = defaults.x509.rsaLoadLimitBits;

/** Bit length of an RSAPublicKey's modulus, or a reason it is not a valid one. */
function rsaModulusBits(key: Buffer): number | string {
  try {
    const d = { buf: key };
    const seq = expect(top(key, 'RSAPublicKey'), TAG.SEQUENCE, 'RSAPublicKey');
    const [nT, eT, extra] = kids(d, seq, 'RSAPublicKey');
    if (extra) return 'the RSA key has extra fields';
    const n = integerBytes(d, nT, 'modulus');
    const e = integerBytes(d, eT, 'publicExponent');
    if (n[0]! & 0x80 || e[0]! & 0x80) return 'the RSA key has a negative number';
    if (!(e[e.length - 1]! & 1) || (e.length === 1 && e[0]! < 3)) return 'the RSA public exponent is not an odd number >= 3';
    const mag = n[0] === 0 ? n.subarray(1) : n;
    if (mag.length === 0) return 'the RSA modulus is zero';
    return (mag.length - 1) * 8 + (32 - Math.clz32(mag[0]!));
  } catch {
    return 'the RSA key is malformed';
  }
}

/**
 * Describe an SPKI and, for key types we verify with, load it into
 * node:crypto. Never throws. Only keys we accept are handed to node: some
 * (DSA without parameters) abort the process when inspected.
 */
export function inspectPublicKey(spkiDer: Buffer, alg: AlgorithmIdentifier, keyBytes: Buffer): PublicKeyInfo {
  const algorithm = KEY_OIDS[alg.oid] ?? 'unknown';
  const info: PublicKeyInfo = { algorithm };
  let load = false;
  if (algorithm === 'rsa' || algorithm === 'rsa-pss') {
    const bits = rsaModulusBits(keyBytes);
    if (typeof bits === 'string') info.error = bits;
    else {
      info.bits = bits;
      load = bits <= RSA_LOAD_LIMIT_BITS;
    }
  } else if (algorithm === 'ec') {
    const p = alg.params;
    if (p && p[0] === TAG.OID) {
      try {
        const oid = oidOf({ buf: p }, top(p, 'namedCurve'), 'namedCurve');
        const c = CURVES[oid];
        info.curve = c?.name ?? oid;
        if (c) info.bits = c.bits;
        load = c !== undefined && LOADABLE_CURVES.includes(c.name);
      } catch {
        info.curve = 'invalid';
      }
    } else info.curve = 'explicit';
  } else if (algorithm === 'ed25519') {
    info.bits = 256;
    load = true;
  }
  if (!load) return info;
  try {
    info.keyObject = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch (e) {
    info.error = e instanceof Error ? e.message : String(e);
  }
  return info;
}

const LOADABLE_CURVES: readonly string[] = ['P-256', 'P-384', 'P-521'];

// ---------------------------------------------------------------- policy

/** What keys and digests a verification accepts. Defaults come from defaults.ts. */
export interface AlgorithmPolicy {
  minRsaBits: number;
  maxRsaBits: number;
  curves: readonly string[];
}

export const DEFAULT_ALGORITHM_POLICY: AlgorithmPolicy = Object.freeze({
  minRsaBits: defaults.ca.minRsaBits,
  maxRsaBits: defaults.x509.maxRsaBits,
  curves: defaults.ca.allowedCurves,
});

/** Why a public key is not acceptable for verifying signatures, or undefined when it is. */
export function keyProblem(k: PublicKeyInfo, policy: AlgorithmPolicy): string | undefined {
  switch (k.algorithm) {
    case 'rsa':
    case 'rsa-pss':
      if (!k.keyObject || k.bits === undefined) return `the RSA key cannot be loaded${k.error ? ` (${k.error})` : ''}`;
      if (k.bits < policy.minRsaBits) return `the RSA key has ${k.bits} bits, below ${policy.minRsaBits}`;
      if (k.bits > policy.maxRsaBits) return `the RSA key has ${k.bits} bits, above ${policy.maxRsaBits}`;
      return undefined;
    case 'ec':
      if (!k.curve || !policy.curves.includes(k.curve)) return `the EC key is on ${k.curve ?? 'an unknown curve'}, not ${policy.curves.join('/')}`;
      if (!k.keyObject) return `the EC key cannot be loaded${k.error ? ` (${k.error})` : ''}`;
      return undefined;
    case 'ed25519':
      return k.keyObject ? undefined : 'the Ed25519 key cannot be loaded';
    default:
      return `${k.algorithm === 'unknown' ? 'an unknown' : 'a ' + k.algorithm.toUpperCase()} public key is not accepted`;
  }
}

const KEY_FITS: Record<SignatureKind, readonly KeyAlgorithm[]> = {
  ecdsa: ['ec'],
  'rsa-pkcs1': ['rsa'],
  'rsa-pss': ['rsa', 'rsa-pss'],
  ed25519: ['ed25519'],
};

/**
 * Verify `signature` over `data` with `key`; false on any mismatch or
 * library error. The caller has already checked the key and algorithm policy.
 */
export function verifySignature(alg: ResolvedSignature, key: PublicKeyInfo, data: Buffer, signature: Buffer): boolean {
  if (!key.keyObject || !KEY_FITS[alg.kind].includes(key.algorithm)) return false;
  try {
    switch (alg.kind) {
      case 'ed25519':
        return cryptoVerify(null, data, key.keyObject, signature);
      case 'rsa-pss':
        return cryptoVerify(alg.hash, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 20 }, signature);
      case 'rsa-pkcs1':
        return cryptoVerify(alg.hash, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'ecdsa':
        return cryptoVerify(alg.hash, data, { key: key.keyObject, dsaEncoding: 'der' }, signature);
    }
  } catch {
    return false;
  }
}

export function keyFitsSignature(alg: ResolvedSignature, key: PublicKeyInfo): boolean {
  return KEY_FITS[alg.kind].includes(key.algorithm);
}

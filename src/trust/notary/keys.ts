/**
 * Notary public keys (spec §5): one table row per key type, key IDs
 * recomputed from key content, never taken from the file.
 */
import { defaults } from '../../defaults.js';
import { createHash } from 'node:crypto';
import { parseCertificates, type ParsedCert } from '../../core/x509/parse.js';
import { usableKeyFromEd25519, usableKeyFromInfo, usableKeyFromSpki, type KeyResult, type UsableKey } from '../signatures.js';
import { canonicalJson } from './json.js';

/** A key as it appears in metadata: `{"keytype":T,"keyval":{"private":null,"public":B64}}`. */
export interface NotaryKey {
  keytype: string;
  /** keyval.public exactly as in the file (standard base64). */
  public: string;
}

export interface DecodedKey {
  /** The key ID recomputed from the key content. */
  id: string;
  keytype: string;
  /** The loaded key when the type is known and the key passes policy. */
  key?: UsableKey;
  /** Why the key cannot be used, when it cannot. */
  problem?: string;
  /** x509 key types: the certificates of the PEM bundle, leaf first. */
  certs?: ParsedCert[];
  /** spec §5: the "canonical" ID over the SPKI (x509 types); equals `id` for the others. */
  canonicalId: string;
}

interface KeyTypeRow {
  family: UsableKey['algorithm'];
  x509: boolean;
  decode(bytes: Buffer): { result: KeyResult; certs?: ParsedCert[] };
}

function fromCertificates(bytes: Buffer): { result: KeyResult; certs?: ParsedCert[] } {
  let certs: ParsedCert[];
  try {
    certs = parseCertificates(bytes, 'key certificate');
  } catch (e) {
    return { result: { ok: false, reason: `the certificate cannot be read (${e instanceof Error ? e.message : String(e)})` } };
  }
  if (certs.length === 0) return { result: { ok: false, reason: 'the key holds no certificate' } };
  const leaf = certs[0]!;
  return { result: usableKeyFromInfo(leaf.publicKey, leaf.spki), certs };
}

/** spec §5 table. */
const KEY_TYPES: Readonly<Record<string, KeyTypeRow>> = {
  ed25519: { family: 'ed25519', x509: false, decode: (b) => ({ result: usableKeyFromEd25519(b) }) },
  ecdsa: { family: 'ec', x509: false, decode: (b) => ({ result: usableKeyFromSpki(b) }) },
  rsa: { family: 'rsa', x509: false, decode: (b) => ({ result: usableKeyFromSpki(b) }) },
  'ecdsa-x509': { family: 'ec', x509: true, decode: fromCertificates },
  'rsa-x509': { family: 'rsa', x509: true, decode: fromCertificates },
};

export const KEY_TYPE_NAMES: readonly string[] = Object.keys(KEY_TYPES);

export function isX509KeyType(keytype: string): boolean {
  return KEY_TYPES[keytype]?.x509 === true;
}

/** spec §5: SHA-256 (hex) of the canonical JSON of the key with `private: null`. */
export function computeKeyId(keytype: string, publicB64: string): string {
  return createHash('sha256')
    .update(canonicalJson({ keytype, keyval: { private: null, public: publicB64 } }))
    .digest('hex');
}

/** Strict standard base64 with padding: decoding and re-encoding must give the same text. */
export function decodeBase64Strict(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/**
 * Decoded keys by content: decoding is pure in (keytype, public), and key
 * import is most of a warm verification's cost (docs/benchmarks.md, Trust).
 * Bounded; cleared when full.
 */
const decodedCache = new Map<string, DecodedKey>();

/** Decode a key and recompute its IDs. Never throws; an unusable key carries `problem`. */
export function decodeKey(k: NotaryKey): DecodedKey {
  const cacheKey = `${k.keytype}\u0000${k.public}`;
  const hit = decodedCache.get(cacheKey);
  if (hit) return hit;
  const decoded = Object.freeze(decodeKeyUncached(k));
  if (decodedCache.size >= defaults.trust.notary.keyCacheEntries) decodedCache.clear();
  decodedCache.set(cacheKey, decoded);
  return decoded;
}

function decodeKeyUncached(k: NotaryKey): DecodedKey {
  const id = computeKeyId(k.keytype, k.public);
  const row = KEY_TYPES[k.keytype];
  if (!row) return { id, keytype: k.keytype, canonicalId: id, problem: `key type ${JSON.stringify(k.keytype)} is not one of ${KEY_TYPE_NAMES.join(', ')}` };
  const bytes = decodeBase64Strict(k.public);
  if (!bytes) return { id, keytype: k.keytype, canonicalId: id, problem: 'keyval.public is not standard base64' };
  const { result, certs } = row.decode(bytes);
  const out: DecodedKey = { id, keytype: k.keytype, canonicalId: id, ...(certs ? { certs } : {}) };
  if (!result.ok) return { ...out, problem: result.reason };
  if (result.key.algorithm !== row.family) return { ...out, problem: `a ${k.keytype} key holds a ${result.key.algorithm} public key` };
  if (row.x509) out.canonicalId = computeKeyId(row.family === 'ec' ? 'ecdsa' : 'rsa', result.key.spki.toString('base64'));
  return { ...out, key: result.key };
}

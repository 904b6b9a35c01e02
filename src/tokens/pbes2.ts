/**
 * PKCS#8 EncryptedPrivateKeyInfo with PBES2, the way SwarmKit reads and
 * writes node keys (swarmkit spec 6.4, ca/pkcs8): PBKDF2 with HMAC-SHA1,
 * AES-256-CBC. Strict bounded parser over src/core/der.ts; the writer builds
 * the exact structure SwarmKit writes (no keyLength, no PRF field).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Tag, children, contentOf, decodeOid, expectTag, octets, oid, readTlv, seq, smallInt, type Tlv } from '../core/der.js';
import { defaults } from '../defaults.js';
import { UnlockFormatError } from './errors.js';

const U = defaults.tokens.unlock;

/** One row per algorithm we know by OID. */
const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/** PBKDF2 PRFs we can name in a report; SwarmKit ignores the field and always uses SHA-1 (spec 6.4). */
const PRFS: Record<string, { name: string; hash: string }> = {
  '1.2.840.113549.2.7': { name: 'hmacWithSHA1', hash: 'sha1' },
  '1.2.840.113549.2.8': { name: 'hmacWithSHA224', hash: 'sha224' },
  '1.2.840.113549.2.9': { name: 'hmacWithSHA256', hash: 'sha256' },
  '1.2.840.113549.2.10': { name: 'hmacWithSHA384', hash: 'sha384' },
  '1.2.840.113549.2.11': { name: 'hmacWithSHA512', hash: 'sha512' },
};

export interface Pbes2Params {
  salt: Buffer;
  iterations: number;
  /** keyLength when present (must be 32 for AES-256). */
  keyLength?: number;
  /** The PRF named in the file; undefined = absent (HMAC-SHA1 by default, SwarmKit's layout). */
  prf?: { oid: string; name: string; hash: string | undefined };
  cipher: 'aes-256-cbc';
  iv: Buffer;
  encryptedData: Buffer;
}

/** Whether the parameters are exactly what SwarmKit writes, and what differs. */
export function swarmkitLayoutDeviations(p: Pbes2Params): string[] {
  const out: string[] = [];
  if (p.prf) out.push(`PRF field ${p.prf.name} present (SwarmKit writes none and always derives with HMAC-SHA1)`);
  if (p.keyLength !== undefined) out.push('keyLength field present');
  if (p.iterations !== U.pbkdf2Iterations) out.push(`${p.iterations} PBKDF2 iterations (SwarmKit writes ${U.pbkdf2Iterations})`);
  if (p.salt.length !== U.saltBytes) out.push(`${p.salt.length}-byte salt (SwarmKit writes ${U.saltBytes})`);
  return out;
}

const WHAT = 'encrypted node key';

function bad(why: string): UnlockFormatError {
  return new UnlockFormatError('ERR_UNLOCK_PBES2_MALFORMED', `${WHAT}: ${why}; the key file is damaged or not a SwarmKit node key`);
}

function unsupported(why: string): UnlockFormatError {
  return new UnlockFormatError('ERR_UNLOCK_PBES2_UNSUPPORTED', `${WHAT}: ${why}; SwarmKit only reads PBES2 with PBKDF2 and AES-256-CBC`);
}

function readInt(buf: Buffer, t: Tlv, field: string, max: number): number {
  const c = contentOf(buf, t);
  if (c.length === 0) throw bad(`${field} is an empty INTEGER`);
  if (c[0]! & 0x80) throw bad(`${field} is negative`);
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw bad(`${field} is not minimally encoded`);
  if (c.length > 6) throw bad(`${field} is too large`);
  const n = c.readUIntBE(0, c.length);
  if (n < 1 || n > max) throw bad(`${field} ${n} is outside 1..${max}`);
  return n;
}

function oidOf(buf: Buffer, t: Tlv | undefined, field: string): string {
  return decodeOid(contentOf(buf, expectTag(t, Tag.OID, WHAT, field)), WHAT);
}

/** Parse EncryptedPrivateKeyInfo (DER) strictly; every length and count is bounded. */
export function parseEncryptedPrivateKeyInfo(der: Uint8Array): Pbes2Params {
  const buf = Buffer.from(der);
  if (buf.length > U.maxEncryptedKeyBytes) throw bad(`it is larger than ${U.maxEncryptedKeyBytes} bytes`);
  try {
    const outer = expectTag(readTlv(buf, 0, buf.length, WHAT), Tag.SEQUENCE, WHAT, 'EncryptedPrivateKeyInfo');
    if (outer.end !== buf.length) throw bad('trailing bytes after EncryptedPrivateKeyInfo');
    const [algId, data, ...rest] = children(buf, outer, WHAT, 4);
    if (rest.length) throw bad('EncryptedPrivateKeyInfo has extra fields');
    const [algOid, params, ...algRest] = children(buf, expectTag(algId, Tag.SEQUENCE, WHAT, 'encryptionAlgorithm'), WHAT, 4);
    if (algRest.length) throw bad('encryptionAlgorithm has extra fields');
    const scheme = oidOf(buf, algOid, 'encryptionAlgorithm OID');
    if (scheme !== OID.pbes2) throw unsupported(`encryption scheme ${scheme} is not PBES2`);
    const [kdf, enc, ...pRest] = children(buf, expectTag(params, Tag.SEQUENCE, WHAT, 'PBES2-params'), WHAT, 4);
    if (pRest.length) throw bad('PBES2-params has extra fields');
    const [kdfOid, kdfParams, ...kRest] = children(buf, expectTag(kdf, Tag.SEQUENCE, WHAT, 'keyDerivationFunc'), WHAT, 4);
    if (kRest.length) throw bad('keyDerivationFunc has extra fields');
    const kdfName = oidOf(buf, kdfOid, 'keyDerivationFunc OID');
    if (kdfName !== OID.pbkdf2) throw unsupported(`key derivation ${kdfName} is not PBKDF2`);
    const kp = children(buf, expectTag(kdfParams, Tag.SEQUENCE, WHAT, 'PBKDF2-params'), WHAT, 5);
    const salt = contentOf(buf, expectTag(kp[0], Tag.OCTET_STRING, WHAT, 'salt'));
    if (salt.length === 0 || salt.length > U.maxSaltBytes) throw bad(`salt of ${salt.length} bytes`);
    const iterations = readInt(buf, expectTag(kp[1], Tag.INTEGER, WHAT, 'iterationCount'), 'iterationCount', U.maxPbkdf2Iterations);
    let i = 2;
    let keyLength: number | undefined;
    if (kp[i]?.tag === Tag.INTEGER) {
      keyLength = readInt(buf, kp[i]!, 'keyLength', 1024);
      if (keyLength !== U.aesKeyBytes) throw unsupported(`keyLength ${keyLength} does not fit AES-256`);
      i++;
    }
    let prf: Pbes2Params['prf'];
    if (kp[i]) {
      const [prfOid, prfParams, ...prfRest] = children(buf, expectTag(kp[i], Tag.SEQUENCE, WHAT, 'prf'), WHAT, 3);
      if (prfRest.length || (prfParams && (prfParams.tag !== Tag.NULL || prfParams.end !== prfParams.contentStart))) throw bad('prf parameters are not absent or NULL');
      const o = oidOf(buf, prfOid, 'prf OID');
      prf = { oid: o, name: PRFS[o]?.name ?? o, hash: PRFS[o]?.hash };
      i++;
    }
    if (kp.length > i) throw bad('PBKDF2-params has extra fields');
    const [encOid, ivT, ...eRest] = children(buf, expectTag(enc, Tag.SEQUENCE, WHAT, 'encryptionScheme'), WHAT, 3);
    if (eRest.length) throw bad('encryptionScheme has extra fields');
    const cipherOid = oidOf(buf, encOid, 'encryptionScheme OID');
    if (cipherOid !== OID.aes256cbc) throw unsupported(`cipher ${cipherOid} is not AES-256-CBC`);
    const iv = contentOf(buf, expectTag(ivT, Tag.OCTET_STRING, WHAT, 'IV'));
    if (iv.length !== U.ivBytes) throw bad(`IV of ${iv.length} bytes, AES-CBC needs ${U.ivBytes}`);
    const encryptedData = contentOf(buf, expectTag(data, Tag.OCTET_STRING, WHAT, 'encryptedData'));
    if (encryptedData.length === 0 || encryptedData.length % 16 !== 0) throw bad(`encryptedData of ${encryptedData.length} bytes is not whole AES blocks`);
    return { salt, iterations, ...(keyLength !== undefined ? { keyLength } : {}), ...(prf ? { prf } : {}), cipher: 'aes-256-cbc', iv, encryptedData };
  } catch (e) {
    if (e instanceof UnlockFormatError) throw e;
    throw bad((e as Error).message.replace(/^[^:]*: /, ''));
  }
}

/**
 * Decrypt as SwarmKit does: PBKDF2-HMAC-SHA1 regardless of any PRF field
 * (`hash` overrides that, for diagnosis only). Returns the PKCS#8 plaintext,
 * or undefined when the padding is wrong (a wrong password, almost surely).
 */
export function decryptPbes2(p: Pbes2Params, password: Uint8Array, hash = 'sha1'): Buffer | undefined {
  const key = pbkdf2Sync(password, p.salt, p.iterations, U.aesKeyBytes, hash);
  try {
    const d = createDecipheriv('aes-256-cbc', key, p.iv);
    return Buffer.concat([d.update(p.encryptedData), d.final()]);
  } catch {
    return undefined;
  } finally {
    key.fill(0);
  }
}

export interface EncryptOptions {
  random?: (n: number) => Buffer;
}

/**
 * Encrypt PKCS#8 DER exactly as SwarmKit does (spec 6.4): 8-byte salt, 2048
 * iterations, PBKDF2 with HMAC-SHA1 and no PRF field, AES-256-CBC with a 16-byte
 * IV and PKCS#7 padding. Node's own export writes hmacWithSHA256, which
 * SwarmKit would derive with SHA-1 and reject.
 */
export function encryptPbes2(pkcs8: Uint8Array, password: Uint8Array, options: EncryptOptions = {}): Buffer {
  const random = options.random ?? randomBytes;
  const salt = random(U.saltBytes);
  const iv = random(U.ivBytes);
  const key = pbkdf2Sync(password, salt, U.pbkdf2Iterations, U.aesKeyBytes, 'sha1');
  const c = createCipheriv('aes-256-cbc', key, iv);
  const ct = Buffer.concat([c.update(pkcs8), c.final()]);
  key.fill(0);
  return seq(
    seq(oid(OID.pbes2), seq(seq(oid(OID.pbkdf2), seq(octets(salt), smallInt(U.pbkdf2Iterations))), seq(oid(OID.aes256cbc), octets(iv)))),
    octets(ct),
  );
}

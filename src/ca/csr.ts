/**
 * CSR parsing and checking for the issuing hot path: a strict DER walk (no
 * library object model, see src/core/der.ts for why) plus node:crypto
 * signature verification. Only the public key is taken from a CSR; subject
 * and SANs come from the CA request, as SwarmKit does (spec 2.2).
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';
import { Tag, bytesOf, children, contentOf, decodeOid, expectTag, readTlv } from '../core/der.js';
import { assertStrongKey, type KeyInfo } from '../core/keys.js';
import { OID, SIGNATURE_ALGORITHMS } from '../core/oids.js';
import { derObjects } from '../core/pem.js';

export interface ParsedCsr {
  der: Buffer;
  /** DER of the subject Name as the CSR carries it (often empty for SwarmKit CSRs). */
  subjectDer: Buffer;
  /** DER of the SubjectPublicKeyInfo, copied verbatim into the certificate. */
  spki: Buffer;
  publicKey: KeyObject;
  key: KeyInfo;
  signatureAlgorithm: string;
}

const WHAT = 'CSR';

/** Read a CSR from PEM (`CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`) or DER. */
export function readCsr(input: Uint8Array): ParsedCsr {
  if (input.length === 0) throw new InputError('ERR_CSR_MALFORMED', 'CSR is empty; pass a PEM or DER certificate request');
  if (input.length > defaults.ca.maxCsrBytes) {
    throw new InputError('ERR_CSR_TOO_LARGE', `CSR is ${input.length} bytes, over the ${defaults.ca.maxCsrBytes}-byte limit`);
  }
  const ders = derObjects(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], WHAT);
  if (ders.length !== 1) throw new InputError('ERR_CSR_MALFORMED', `CSR input holds ${ders.length} requests; pass exactly one`);
  return parseCsrDer(ders[0]!);
}

/** Parse and check one DER CSR: structure, key strength, and its own signature. */
export function parseCsrDer(der: Buffer): ParsedCsr {
  let parts;
  try {
    parts = walk(der);
  } catch (e) {
    if (e instanceof InputError) throw new InputError('ERR_CSR_MALFORMED', e.message.replace(/^input/, WHAT), { cause: e });
    throw e;
  }
  const alg = SIGNATURE_ALGORITHMS[parts.sigOid];
  if (!alg) {
    throw new InputError('ERR_CSR_ALGORITHM', `CSR is signed with algorithm ${parts.sigOid}, which is not accepted; use ECDSA or RSA with SHA-256/384/512`);
  }
  let publicKey: KeyObject;
  let key: KeyInfo;
  try {
    const ec = ecPoint(parts.spki);
    // OpenSSL 3's DER decoder costs ~390 µs per key here and JWK import ~130 µs
    // (measured, docs/benchmarks.md); the point is still validated on import.
    publicKey = ec ? createPublicKey({ key: ec.jwk, format: 'jwk' }) : createPublicKey({ key: parts.spki, format: 'der', type: 'spki' });
    key = ec ? { type: 'ec', curve: ec.jwk.crv } : assertStrongKey(publicKey, WHAT);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('ERR_CSR_KEY', 'CSR public key cannot be read (unknown algorithm or invalid point); generate the request with an ECDSA P-256 key', { cause: e });
  }
  if (key.type !== alg.key) {
    throw new InputError('ERR_CSR_ALGORITHM', `CSR signature algorithm does not fit its ${key.type.toUpperCase()} key; the request is inconsistent`);
  }
  let ok = false;
  try {
    ok = cryptoVerify(alg.hash, parts.info, publicKey, parts.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new InputError('ERR_CSR_SIGNATURE', 'CSR signature does not verify with its own key; the request was altered or damaged, generate it again');
  return { der, subjectDer: parts.subjectDer, spki: parts.spki, publicKey, key, signatureAlgorithm: parts.sigOid };
}

const CURVES: Record<string, { crv: string; size: number }> = {
  '1.2.840.10045.3.1.7': { crv: 'P-256', size: 32 },
  '1.3.132.0.34': { crv: 'P-384', size: 48 },
  '1.3.132.0.35': { crv: 'P-521', size: 66 },
};

/** For an EC SPKI on an allowed named curve with an uncompressed point: its JWK. Else undefined (slow path decides). */
function ecPoint(spki: Buffer): { jwk: { kty: 'EC'; crv: string; x: string; y: string } } | undefined {
  const top = readTlv(spki, 0, spki.length, WHAT);
  const [algT, bitsT] = children(spki, top, WHAT, 3);
  if (!algT || !bitsT || algT.tag !== Tag.SEQUENCE || bitsT.tag !== Tag.BIT_STRING) return undefined;
  const [oidT, paramT] = children(spki, algT, WHAT, 3);
  if (oidT?.tag !== Tag.OID || paramT?.tag !== Tag.OID) return undefined;
  if (decodeOid(contentOf(spki, oidT), WHAT) !== OID.ecPublicKey) return undefined;
  const curve = CURVES[decodeOid(contentOf(spki, paramT), WHAT)];
  if (!curve) return undefined;
  const bits = contentOf(spki, bitsT);
  if (bits.length !== 2 + 2 * curve.size || bits[0] !== 0 || bits[1] !== 0x04) return undefined;
  return {
    jwk: { kty: 'EC', crv: curve.crv, x: bits.subarray(2, 2 + curve.size).toString('base64url'), y: bits.subarray(2 + curve.size).toString('base64url') },
  };
}

function walk(der: Buffer): { info: Buffer; subjectDer: Buffer; spki: Buffer; sigOid: string; signature: Buffer } {
  const top = expectTag(readTlv(der, 0, der.length, WHAT), Tag.SEQUENCE, WHAT, 'CertificationRequest');
  if (top.end !== der.length) throw new InputError('ERR_DER_MALFORMED', `${WHAT}: trailing data after the request`);
  const [infoT, algT, sigT, extra] = children(der, top, WHAT, 4);
  if (extra) throw new InputError('ERR_DER_MALFORMED', `${WHAT}: unexpected fields after the signature`);
  expectTag(infoT, Tag.SEQUENCE, WHAT, 'certificationRequestInfo');
  const [verT, subjT, spkiT, attrT, extra2] = children(der, infoT!, WHAT, 5);
  if (extra2) throw new InputError('ERR_DER_MALFORMED', `${WHAT}: unexpected fields in certificationRequestInfo`);
  const ver = contentOf(der, expectTag(verT, Tag.INTEGER, WHAT, 'version'));
  if (ver.length !== 1 || ver[0] !== 0) throw new InputError('ERR_DER_MALFORMED', `${WHAT}: version must be 0 (v1)`);
  expectTag(subjT, Tag.SEQUENCE, WHAT, 'subject');
  expectTag(spkiT, Tag.SEQUENCE, WHAT, 'subjectPKInfo');
  expectTag(attrT, 0xa0, WHAT, 'attributes');
  // walk the subject and attributes once so that malformed nesting is caught here
  for (const rdn of children(der, subjT!, WHAT, 64)) children(der, expectTag(rdn, Tag.SET, WHAT, 'RDN'), WHAT, 16);
  children(der, attrT!, WHAT, 64);
  expectTag(algT, Tag.SEQUENCE, WHAT, 'signatureAlgorithm');
  const [oidT] = children(der, algT!, WHAT, 2);
  const sigOid = decodeOid(contentOf(der, expectTag(oidT, Tag.OID, WHAT, 'signature algorithm')), WHAT);
  const sigBits = contentOf(der, expectTag(sigT, Tag.BIT_STRING, WHAT, 'signature'));
  if (sigBits.length < 2 || sigBits[0] !== 0) throw new InputError('ERR_DER_MALFORMED', `${WHAT}: signature BIT STRING is empty or has unused bits`);
  return { info: bytesOf(der, infoT!), subjectDer: bytesOf(der, subjT!), spki: bytesOf(der, spkiT!), sigOid, signature: sigBits.subarray(1) };
}

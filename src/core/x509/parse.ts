/**
 * Strict X.509 certificate parsing: `parseCertificate` (one DER certificate)
 * and `parseCertificates` (a PEM bundle or one DER certificate).
 *
 * The certificate goes through node:crypto's X509Certificate (OpenSSL) and through our own DER walk,
 * which rejects what that library lets pass (trailing data, v1/v2 with
 * extensions, duplicate extensions, bad BIT STRINGs, out-of-range pathLen,
 * empty SANs, ...). Every failure is an InputError ERR_X509_MALFORMED; no
 * input makes these functions throw anything else.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { defaults } from '../../defaults.js';
import { InputError, isSwarmguardError } from '../../errors.js';
import { derObjects } from '../pem.js';
import { MalformedCert, TAG, bitString, expect, fail, integerBytes, kids, octetAlignedBits, smallUint, time, top, whole, type Der } from './asn1.js';
import { inspectPublicKey, parseAlgorithmIdentifier } from './algorithms.js';
import { EXT, parseExtensions, type Extension, type ExtensionValues } from './extensions.js';
import { parseName } from './names.js';
import type { ParsedCert } from './types.js';

export type { ParsedCert } from './types.js';

/** PEM block types holding a plain certificate. */
const CERT_PEM_TYPES = ['CERTIFICATE', 'X509 CERTIFICATE'] as const;

/** RFC 5280 4.1.2.2: serials are at most 20 octets. */
const MAX_SERIAL_BYTES = 20;

function malformed(what: string, why: string, cause?: unknown): InputError {
  return new InputError('ERR_X509_MALFORMED', `${what}: malformed X.509 certificate (${why}); the file is damaged or not a certificate`, { cause });
}

/** Parse one DER certificate strictly. Throws InputError ERR_X509_MALFORMED and nothing else. */
export function parseCertificate(der: Uint8Array, what = 'certificate'): ParsedCert {
  try {
    if (!(der instanceof Uint8Array)) throw new TypeError('parseCertificate: der must be a Uint8Array');
    if (der.length > defaults.x509.maxCertBytes) fail(`larger than ${defaults.x509.maxCertBytes} bytes`);
    const cert = parseDer(Buffer.from(der));
    checkWithLibrary(cert.der);
    return cert;
  } catch (e) {
    if (e instanceof TypeError && e.message.startsWith('parseCertificate:')) throw e;
    if (e instanceof MalformedCert) throw malformed(what, e.message, e);
    if (isSwarmguardError(e)) {
      // core/der.ts reports "<field>: malformed DER (<why>); ..."; keep the inside.
      const why = /\(([^)]*)\)/.exec(e.message)?.[1] ?? e.message;
      throw malformed(what, why, e);
    }
    throw malformed(what, `the certificate library failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, e);
  }
}

/**
 * Parse every certificate in PEM text (CERTIFICATE blocks, other blocks
 * ignored) or one DER certificate. Throws InputError only.
 */
export function parseCertificates(input: Uint8Array, what = 'certificate file'): ParsedCert[] {
  const ders = derObjects(input, CERT_PEM_TYPES, what);
  return ders.map((d, i) => parseCertificate(d, ders.length > 1 ? `${what} (certificate ${i + 1})` : what));
}

/**
 * The library pass: OpenSSL (node:crypto, no import cost, which keeps the
 * CLI's start-up small) must read the certificate too, names and dates included.
 */
function checkWithLibrary(der: Buffer): void {
  const lib = new X509Certificate(der);
  void lib.subject;
  void lib.issuer;
  void lib.serialNumber;
  void lib.validFrom;
  void lib.validTo;
}

function parseDer(buf: Buffer): ParsedCert {
  const d: Der = { buf };
  const certT = expect(top(buf, 'Certificate'), TAG.SEQUENCE, 'Certificate');
  const [tbsT, algT, sigT, extra] = kids(d, certT, 'Certificate', 4);
  if (!sigT || extra) fail('Certificate must hold tbsCertificate, signatureAlgorithm and signature');
  expect(tbsT, TAG.SEQUENCE, 'tbsCertificate');
  const signatureAlgorithm = parseAlgorithmIdentifier(d, algT!, 'signatureAlgorithm');
  const signature = octetAlignedBits(d, sigT, 'signature');

  const f = kids(d, tbsT!, 'tbsCertificate', 16);
  const warnings: string[] = [];
  let i = 0;
  let version: 1 | 2 | 3 = 1;
  if (f[0]?.tag === 0xa0) {
    const [v, more] = kids(d, f[0], 'version');
    if (!v || more) fail('version must hold one INTEGER');
    const n = smallUint(d, v, 'version', 255);
    // DEFAULT v1: an explicit v1 is not DER.
    if (n !== 1 && n !== 2) fail(n === 0 ? 'version v1 is encoded explicitly' : `unknown version ${n + 1}`);
    version = (n + 1) as 2 | 3;
    i++;
  }
  const serial = integerBytes(d, f[i++]!, 'serialNumber');
  if (serial.length > MAX_SERIAL_BYTES + (serial[0] === 0 ? 1 : 0)) warnings.push(`the serial number is ${serial.length} bytes, longer than 20`);
  if (serial[0]! & 0x80) warnings.push('the serial number is negative');
  if (serial.every((b) => b === 0)) warnings.push('the serial number is zero');
  const tbsSignatureAlgorithm = parseAlgorithmIdentifier(d, f[i++]!, 'tbsCertificate signature');
  const issuer = parseName(d, f[i++]!, 'issuer');
  const validityT = expect(f[i++], TAG.SEQUENCE, 'validity');
  const [nbT, naT, vExtra] = kids(d, validityT, 'validity');
  if (!naT || vExtra) fail('validity must hold notBefore and notAfter');
  const notBefore = time(d, nbT, 'notBefore');
  const notAfter = time(d, naT, 'notAfter');
  const subject = parseName(d, f[i++]!, 'subject');
  const spkiT = expect(f[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const [spkiAlgT, spkiKeyT, spkiExtra] = kids(d, spkiT, 'subjectPublicKeyInfo');
  if (!spkiKeyT || spkiExtra) fail('subjectPublicKeyInfo must hold an algorithm and a key');
  const spkiAlg = parseAlgorithmIdentifier(d, spkiAlgT!, 'subjectPublicKeyInfo algorithm');
  const keyBytes = octetAlignedBits(d, spkiKeyT, 'subjectPublicKey');
  const spki = whole(d, spkiT);

  for (const [tag, name] of [
    [0x81, 'issuerUniqueID'],
    [0x82, 'subjectUniqueID'],
  ] as const) {
    if (f[i]?.tag !== tag) continue;
    if (version === 1) fail(`a v1 certificate has ${name}`);
    bitString(d, { ...f[i]!, tag: TAG.BIT_STRING }, name);
    i++;
  }
  let extensions: Extension[] = [];
  let ext: ExtensionValues = {};
  if (f[i]?.tag === 0xa3) {
    if (version !== 3) fail(`a v${version} certificate has extensions`);
    ({ list: extensions, values: ext } = parseExtensions(d, f[i]!));
    i++;
  }
  if (i !== f.length) fail('tbsCertificate has unexpected fields');

  // RFC 5280 4.2.1.6: with an empty subject, the names live in a critical SAN.
  const san = extensions.find((e) => e.oid === EXT.subjectAltName);
  if (subject.rdns.length === 0 && san && !san.critical) fail('the subject is empty and subjectAltName is not critical');

  return {
    der: buf,
    tbs: whole(d, tbsT!),
    version,
    serial,
    serialHex: serial.toString('hex'),
    tbsSignatureAlgorithm,
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    publicKey: inspectPublicKey(spki, spkiAlg, keyBytes),
    extensions,
    ext,
    fingerprint256: createHash('sha256').update(buf).digest('hex'),
    warnings,
  };
}

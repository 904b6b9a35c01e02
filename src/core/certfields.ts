/**
 * Raw-byte access to the few certificate fields that must be copied exactly
 * (issuer/subject DER, SPKI, TBS). Parsing for meaning goes through
 * @peculiar/x509 elsewhere; this only slices.
 */
import { InputError } from '../errors.js';
import { Tag, bytesOf, children, contentOf, expectTag, readTlv } from './der.js';

export interface CertFields {
  tbs: Buffer;
  serial: Buffer;
  issuerDer: Buffer;
  subjectDer: Buffer;
  spki: Buffer;
  signatureAlgorithmDer: Buffer;
  signature: Buffer;
}

export function certFields(der: Uint8Array, what = 'certificate'): CertFields {
  const top = expectTag(readTlv(der, 0, der.length, what), Tag.SEQUENCE, what, 'Certificate');
  if (top.end !== der.length) throw new InputError('ERR_DER_MALFORMED', `${what}: trailing data after the certificate`);
  const [tbsT, algT, sigT] = children(der, top, what, 3);
  expectTag(tbsT, Tag.SEQUENCE, what, 'tbsCertificate');
  expectTag(algT, Tag.SEQUENCE, what, 'signatureAlgorithm');
  const sig = contentOf(der, expectTag(sigT, Tag.BIT_STRING, what, 'signature'));
  const f = children(der, tbsT!, what, 10);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++;
  const serialT = expectTag(f[i], Tag.INTEGER, what, 'serialNumber');
  const issuerT = expectTag(f[i + 2], Tag.SEQUENCE, what, 'issuer');
  const subjectT = expectTag(f[i + 4], Tag.SEQUENCE, what, 'subject');
  const spkiT = expectTag(f[i + 5], Tag.SEQUENCE, what, 'subjectPublicKeyInfo');
  return {
    tbs: bytesOf(der, tbsT!),
    serial: contentOf(der, serialT),
    issuerDer: bytesOf(der, issuerT),
    subjectDer: bytesOf(der, subjectT),
    spki: bytesOf(der, spkiT),
    signatureAlgorithmDer: bytesOf(der, algT!),
    signature: sig.subarray(1),
  };
}

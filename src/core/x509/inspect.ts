/**
 * A plain-JSON description of a certificate, for `swarmguard cert inspect`
 * and for logs. "Self-signed" is decided by the signature (does it verify
 * under the certificate's own key?), never by subject == issuer: a SwarmKit
 * cross-signed root has subject == issuer and is not self-signed (spec 2.4).
 */
import { keyFitsSignature, resolveSignatureAlgorithm, SIGNATURE_ALGORITHM_NAMES, verifySignature } from './algorithms.js';
import { generalNameText } from './names.js';
import { EKU, EXTENSIONS } from './extensions.js';
import type { ParsedCert } from './types.js';

export interface CertificateDescription {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  version: number;
  signatureAlgorithm: string;
  publicKey: { algorithm: string; curve?: string; bits?: number };
  subjectAltNames: string[];
  keyUsage: string[] | null;
  extendedKeyUsage: string[] | null;
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  extensions: Array<{ oid: string; name: string | null; critical: boolean }>;
  fingerprintSha256: string;
  /** True when the signature verifies under the certificate's own public key. */
  selfSigned: boolean;
  /** Issuer and subject names match (RFC 5280 "self-issued"), whatever key signed it. */
  selfIssued: boolean;
  warnings: string[];
}

const EKU_NAMES: Record<string, string> = Object.fromEntries(Object.entries(EKU).map(([name, oid]) => [oid, name === 'any' ? 'anyExtendedKeyUsage' : name]));

/** Does `cert`'s signature verify under its own key? Algorithm or key problems mean "no". */
export function isSelfSigned(cert: ParsedCert): boolean {
  const alg = resolveSignatureAlgorithm(cert.signatureAlgorithm);
  if (!alg.ok || !keyFitsSignature(alg.alg, cert.publicKey)) return false;
  return verifySignature(alg.alg, cert.publicKey, cert.tbs, cert.signature);
}

/** Describe a parsed certificate as plain JSON. */
export function describeCertificate(cert: ParsedCert): CertificateDescription {
  const k = cert.publicKey;
  const bc = cert.ext.basicConstraints;
  return {
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    serial: cert.serialHex,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    version: cert.version,
    signatureAlgorithm: SIGNATURE_ALGORITHM_NAMES[cert.signatureAlgorithm.oid] ?? (cert.signatureAlgorithm.oid || 'unreadable'),
    publicKey: { algorithm: k.algorithm, ...(k.curve ? { curve: k.curve } : {}), ...(k.bits !== undefined ? { bits: k.bits } : {}) },
    subjectAltNames: (cert.ext.subjectAltName ?? []).map(generalNameText),
    keyUsage: cert.ext.keyUsage ?? null,
    extendedKeyUsage: cert.ext.extKeyUsage?.map((o) => EKU_NAMES[o] ?? o) ?? null,
    basicConstraints: bc ? { ca: bc.ca, pathLen: bc.pathLen ?? null } : null,
    subjectKeyId: cert.ext.subjectKeyId?.toString('hex') ?? null,
    authorityKeyId: cert.ext.authorityKeyId?.keyId?.toString('hex') ?? null,
    extensions: cert.extensions.map((e) => ({ oid: e.oid, name: EXTENSIONS[e.oid]?.name ?? null, critical: e.critical })),
    fingerprintSha256: cert.fingerprint256,
    selfSigned: isSelfSigned(cert),
    selfIssued: cert.subject.key === cert.issuer.key,
    warnings: cert.warnings,
  };
}

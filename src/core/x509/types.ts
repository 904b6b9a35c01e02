import type { AlgorithmIdentifier, PublicKeyInfo } from './algorithms.js';
import type { Extension, ExtensionValues } from './extensions.js';
import type { DistinguishedName } from './names.js';
import type { ParsedCrl } from './crl.js';

/** A certificate that passed the strict parser. Buffers are copies; nothing refers back to the input. */
export interface ParsedCert {
  /** The whole certificate DER. */
  der: Buffer;
  /** The TBSCertificate DER: the signed bytes. */
  tbs: Buffer;
  version: 1 | 2 | 3;
  /** The serial INTEGER's content bytes, as encoded (two's complement). */
  serial: Buffer;
  serialHex: string;
  /** The signature algorithm inside the TBSCertificate. */
  tbsSignatureAlgorithm: AlgorithmIdentifier;
  /** The signature algorithm outside it (must be identical). */
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Buffer;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo DER. */
  spki: Buffer;
  publicKey: PublicKeyInfo;
  extensions: Extension[];
  ext: ExtensionValues;
  /** Lowercase hex SHA-256 of `der`. */
  fingerprint256: string;
  /** Oddities that are not errors (RFC 5280 violations that verifiers tolerate). */
  warnings: string[];
}

/** Stable failure codes of chain verification; switch on these, not on reasons. */
export type VerifyCode =
  | 'ERR_X509_EXPIRED'
  | 'ERR_X509_NOT_YET_VALID'
  | 'ERR_X509_UNKNOWN_ISSUER'
  | 'ERR_X509_BAD_SIGNATURE'
  | 'ERR_X509_UNSUPPORTED_ALGORITHM'
  | 'ERR_X509_NOT_CA'
  | 'ERR_X509_PATH_LEN'
  | 'ERR_X509_CHAIN_TOO_LONG'
  | 'ERR_X509_KEY_USAGE'
  | 'ERR_X509_EKU'
  | 'ERR_X509_NAME_CONSTRAINTS'
  | 'ERR_X509_HOST_MISMATCH'
  | 'ERR_X509_UNKNOWN_CRITICAL_EXT'
  | 'ERR_X509_WEAK_KEY'
  | 'ERR_X509_WEAK_SIGNATURE'
  | 'ERR_X509_REVOKED'
  | 'ERR_X509_REVOCATION_UNKNOWN'
  | 'ERR_X509_BUDGET_EXCEEDED';

export type Purpose = 'server' | 'client' | 'any';

/** A certificate given to the validator: parsed already, or DER (parsed strictly on the way in). */
export type CertInput = ParsedCert | Uint8Array;

export interface VerifyOptions {
  leaf: CertInput;
  /** Untrusted certificates that may complete a path; order does not matter. */
  intermediates?: readonly CertInput[];
  /** Trust anchors, matched by subject and public key (not by bytes); their own validity and constraints other than name constraints are not enforced. */
  roots: readonly CertInput[];
  /** The verification time (read the clock once, outside). */
  at: Date;
  /** Extended key usage the leaf must allow; 'any' (the default) checks none. */
  purpose?: Purpose;
  /** A DNS name or IP address the leaf's SAN must match. */
  host?: string;
  /** Called for every certificate of a complete path except the anchor. */
  isRevoked?(cert: ParsedCert): boolean;
  /** CRLs (parsed, or DER) to consult for every certificate of a complete path except the anchor; any number, any order. */
  crls?: readonly CrlInput[];
  /**
   * What an undeterminable status means: 'hard' fails the path (ERR_X509_REVOCATION_UNKNOWN), 'soft'
   * accepts it (reported as 'unknown'), 'off' consults no CRL. A listed serial fails the path under
   * 'soft' and 'hard'. Default: 'hard' when `crls` is given, else 'off'. `isRevoked` applies in every mode.
   */
  revocation?: RevocationMode;
}

export type RevocationMode = 'off' | 'soft' | 'hard';

/** A CRL given to the validator: parsed already, or DER. */
export type CrlInput = ParsedCrl | Uint8Array;

/** The revocation status of one certificate of a path. */
export interface RevocationStatus {
  subject: string;
  serial: string;
  /** 'unchecked' when revocation is off; 'unknown' when no usable CRL covers the certificate. */
  status: 'good' | 'revoked' | 'unknown' | 'unchecked';
  /** The deciding CRL (for good/revoked). */
  crl?: { issuer: string; number: string | undefined; thisUpdate: string; nextUpdate: string | undefined };
  revokedAt?: string;
  reason?: string;
  /** Why the status is unknown (the CRLs looked at and what was wrong with each). */
  detail?: string;
}

export interface ChainAttempt {
  /** Subjects of the path tried, leaf first. */
  chain: string[];
  code: VerifyCode;
  reason: string;
}

export type VerifyResult =
  | { ok: true; chain: ParsedCert[]; /** Per certificate, leaf first, anchor excluded. */ revocation: RevocationStatus[] }
  | { ok: false; code: VerifyCode; reason: string; chainAttempts: ChainAttempt[]; /** Per certificate of the reported path when it failed on revocation. */ revocation?: RevocationStatus[] };

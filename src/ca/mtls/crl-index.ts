/**
 * A CRL made usable for per-connection checks: parsed once, its signature
 * verified (synchronously, with node:crypto) against the CA certificates we
 * trust, its serials in a set.
 *
 * Scope: a serial listed by a CRL of any trusted CA key counts as revoked for
 * every peer. During a root rotation our CA signs its CRL with the new key
 * while old-key leaves are still in use; both keys are one cluster CA, and
 * serials are 20 random octets, so a cross-key match is a real revocation.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { derObjects } from '../../core/pem.js';
import { resolveSignatureAlgorithm, verifySignature } from '../../core/x509/algorithms.js';
import { CRL_PARSE_OPTIONS, crlSignedParts } from '../../core/x509/crl.js';
import type { ParsedCert } from '../../core/x509/parse.js';
import { OID } from '../../core/oids.js';
import { InputError } from '../../errors.js';
import { normalizeSerial } from '../revocation-list.js';

export interface CrlSummary {
  issuer: string;
  number: string | undefined;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  entries: number;
  /** SHA-256 fingerprint of the CA certificate whose key verified the CRL. */
  signer: string;
}

export interface CrlIndex {
  readonly crls: readonly CrlSummary[];
  isRevoked(serialHex: string): boolean;
  /** The CRLs whose nextUpdate is before `now` (still enforced: a revocation does not lapse). */
  stale(now: Date): CrlSummary[];
}

const malformed = (why: string, cause?: unknown): InputError =>
  new InputError('ERR_MTLS_CRL_MALFORMED', `the CRL is malformed (${why}); pass the PEM that swarmguard ca crl prints`, { cause });

function indexOne(der: Buffer, issuers: readonly ParsedCert[]): { summary: CrlSummary; serials: string[] } {
  let parts: ReturnType<typeof crlSignedParts>;
  let lib: x509.X509Crl;
  try {
    parts = crlSignedParts(der);
    lib = new x509.X509Crl(der, CRL_PARSE_OPTIONS);
  } catch (e) {
    throw malformed(e instanceof Error ? e.message : String(e), e);
  }
  const alg = resolveSignatureAlgorithm(parts.alg);
  if (!alg.ok) throw new InputError('ERR_MTLS_CRL_UNTRUSTED', `the CRL from ${parts.issuer.text} cannot be checked: ${alg.reason}`);
  const signer = issuers.find((c) => c.subject.key === parts.issuer.key && verifySignature(alg.alg, c.publicKey, parts.tbs, parts.signature));
  if (!signer) {
    throw new InputError(
      'ERR_MTLS_CRL_UNTRUSTED',
      `the CRL from ${parts.issuer.text} is not signed by any trusted CA certificate; pass the CRL of this cluster's CA (swarmguard ca crl) with its trust roots`,
    );
  }
  const numberExt = lib.extensions.find((e) => e.type === OID.crlNumber);
  const number = numberExt ? Buffer.from(numberExt.value).subarray(2).toString('hex').replace(/^0+(?=.)/, '') : undefined;
  return {
    summary: {
      issuer: parts.issuer.text,
      number: number === undefined ? undefined : BigInt(`0x${number}`).toString(),
      thisUpdate: lib.thisUpdate,
      nextUpdate: lib.nextUpdate,
      entries: lib.entries.length,
      signer: signer.fingerprint256,
    },
    serials: lib.entries.map((e) => normalizeSerial(e.serialNumber)),
  };
}

/** Parse and verify every `X509 CRL` block of `crlPem` against `issuers` (trust roots and our intermediates). */
export function crlIndex(crlPem: string | Uint8Array, issuers: readonly ParsedCert[]): CrlIndex {
  const input = typeof crlPem === 'string' ? Buffer.from(crlPem, 'latin1') : crlPem;
  const ders = derObjects(input, ['X509 CRL'], 'CRL');
  const serials = new Set<string>();
  const crls: CrlSummary[] = [];
  for (const der of ders) {
    const one = indexOne(der, issuers);
    crls.push(one.summary);
    for (const s of one.serials) serials.add(s);
  }
  return {
    crls,
    isRevoked: (serialHex) => serials.has(normalizeSerial(serialHex)),
    stale: (now) => crls.filter((c) => c.nextUpdate !== undefined && c.nextUpdate.getTime() < now.getTime()),
  };
}

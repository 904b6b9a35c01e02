/**
 * X.509 chain verification, webpki-style: build a path from the leaf through
 * the given intermediates to a trust anchor (depth-first, bounded), checking
 * signatures, validity, basic constraints, path length, key usage, extended
 * key usage, name constraints, the host name, critical extensions, key and
 * digest strength, and revocation: CRLs (RFC 5280 6.3, see crl.ts) and a
 * caller-supplied predicate.
 *
 * Trust anchors are matched by subject and public key, and "self-signed"
 * means "verifies under its own key", never "subject equals issuer": a
 * SwarmKit root rotation serves [leaf][new root cross-signed by the old
 * root] with subject == issuer == CN=swarm-ca (spec 2.4, 4.4), which must
 * verify against the old root alone.
 */
import { VerificationError } from '../../errors.js';
import { buildPath } from './path-builder.js';
import type { ParsedCert, VerifyOptions, VerifyResult } from './types.js';

export type { ChainAttempt, CertInput, CrlInput, Purpose, RevocationMode, RevocationStatus, VerifyCode, VerifyOptions, VerifyResult } from './types.js';
export { parseCrl, parseCrls, type CrlEntry, type ParsedCrl } from './crl.js';

/** Verify a chain; never throws for an invalid chain (only TypeError for misuse, InputError for undecodable DER inputs). */
export function verifyChain(opts: VerifyOptions): VerifyResult {
  return buildPath(opts);
}

/** Like verifyChain, but returns the chain (leaf first, anchor last) or throws VerificationError with the failure code. */
export function assertChain(opts: VerifyOptions): ParsedCert[] {
  const r = buildPath(opts);
  if (r.ok) return r.chain;
  throw new VerificationError(r.code, `certificate chain rejected: ${r.reason}`, { details: { chainAttempts: r.chainAttempts } });
}

/** A plain-data description of the CA state (for status, init and start output). */
import { X509Certificate, createHash } from 'node:crypto';
import { parsePem } from '../core/pem.js';
import type { CaState } from './state.js';

export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
  expiresInDays: number;
}

export interface CaDescription {
  clusterId: string;
  mode: CaState['mode'];
  stage: 'idle' | 'cross-signed' | 'switched';
  roots: CertSummary[];
  signer: CertSummary;
  hasKey: boolean;
  /** SHA-256 of the exact trust-root bundle bytes (what join tokens carry). */
  trustRootDigest: string;
}

export function summarizeCert(der: Buffer, now: Date): CertSummary {
  const c = new X509Certificate(der);
  const notAfter = new Date(c.validTo);
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    expiresInDays: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
  };
}

export function certsOf(pem: string): Buffer[] {
  return parsePem(pem, 'CA state').filter((b) => b.type === 'CERTIFICATE').map((b) => b.der);
}

export function describeCa(state: CaState, now: Date): CaDescription {
  return {
    clusterId: state.clusterId,
    mode: state.mode,
    stage: state.rotation?.stage ?? 'idle',
    roots: certsOf(state.trustRootPem).map((d) => summarizeCert(d, now)),
    signer: summarizeCert(certsOf(state.signer.certPem)[0]!, now),
    hasKey: state.signer.keyRef !== undefined,
    trustRootDigest: 'sha256:' + createHash('sha256').update(state.trustRootPem, 'utf8').digest('hex'),
  };
}

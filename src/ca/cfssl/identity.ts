/**
 * The server's own TLS identity when none is given: a `server` profile
 * certificate from this CA for the --host names, with a fresh P-256 key that
 * never leaves memory. It chains to our root, which is what a swarm manager
 * trusts for the external CA (`--external-ca ...,cacert=<our root>`, spec 5.4).
 */
import { generateKeyPairSync } from 'node:crypto';
import { seq } from '../../core/der.js';
import { spkiDer } from '../../core/keys.js';
import { OID } from '../../core/oids.js';
import type { CertificateAuthority } from '../authority.js';
import type { ParsedCsr } from '../csr.js';
import { defaults } from '../../defaults.js';

export interface TlsIdentity {
  /** Leaf followed by the signer's chain, PEM. */
  certPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

export const SERVER_PROFILE = 'server';

export async function issueServerIdentity(ca: CertificateAuthority, hosts: readonly string[], via = 'cfssl-serve-tls'): Promise<TlsIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // We made the key ourselves, so there is no CSR to verify: describe the key directly.
  const request: ParsedCsr = {
    der: Buffer.alloc(0),
    subjectDer: seq(),
    spki: spkiDer(publicKey),
    publicKey,
    key: { type: 'ec', curve: 'P-256' },
    signatureAlgorithm: OID.ecdsaWithSHA256,
  };
  const issued = await ca.issue({ csr: request, profile: SERVER_PROFILE, subject: [['CN', defaults.cfssl.serverCommonName]], hosts: [...hosts], via });
  return {
    certPem: issued.chainPem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    serial: issued.serialHex,
  };
}

/** True once `share` of the identity's life has passed: time to issue a new one. */
export function identityDue(id: Pick<TlsIdentity, 'notBefore' | 'notAfter'>, now: Date, share = defaults.cfssl.serverCertRenewAt): boolean {
  const life = id.notAfter.getTime() - id.notBefore.getTime();
  return now.getTime() >= id.notBefore.getTime() + life * share;
}

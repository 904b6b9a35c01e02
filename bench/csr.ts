/**
 * Distinct P-256 CSRs shaped like SwarmKit's (spec 1.5 step 7: empty subject,
 * no extensions, ecdsa-with-SHA256), written with our DER helpers. Generated
 * before any timing starts.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { bitString, explicit, oid, seq, smallInt } from '../src/core/der.js';
import { OID } from '../src/core/oids.js';
import { toPem } from '../src/core/pem.js';

export function makeP256CsrWithKey(): { csrPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = seq(smallInt(0), seq(), publicKey.export({ type: 'spki', format: 'der' }), explicit(0));
  const der = seq(info, seq(oid(OID.ecdsaWithSHA256)), bitString(sign('sha256', info, privateKey)));
  return { csrPem: toPem('CERTIFICATE REQUEST', der), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

export const makeP256Csr = (): string => makeP256CsrWithKey().csrPem;

export function makeCsrs(n: number): string[] {
  return Array.from({ length: n }, makeP256Csr);
}

/** A SwarmKit-style 25-character base36 ID (spec 2.2). */
export function swarmId(): string {
  const n = BigInt(`0x${randomBytes(17).toString('hex')}`) | (1n << 135n);
  return n.toString(36).slice(1, 26);
}

/** The JSON body a swarm manager posts for a node certificate (spec 5.2). */
export function signRequestBody(csrPem: string, clusterId: string, nodeId: string, role: 'manager' | 'worker'): string {
  const ou = role === 'manager' ? 'swarm-manager' : 'swarm-worker';
  return JSON.stringify({
    hosts: role === 'manager' ? [ou, nodeId, 'swarm-ca'] : [ou, nodeId],
    certificate_request: csrPem,
    subject: { CN: nodeId, names: [{ O: clusterId, OU: ou }], SerialNumber: '' },
    profile: '',
    crl_override: '',
    label: '',
    NotBefore: '0001-01-01T00:00:00Z',
    NotAfter: '0001-01-01T00:00:00Z',
    ReturnPrecert: false,
    metadata: null,
  });
}

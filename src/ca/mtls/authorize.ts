/**
 * Authorization of a verified peer leaf, as SwarmKit's authorizer does it
 * after the handshake (spec 8.2): OU must be an allowed role, O[0] the
 * cluster ID, CN the node ID; plus what SwarmKit lacks, the certificate's
 * serial and node must not be revoked. Pure and synchronous.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { OID } from '../../core/oids.js';
import { nameAttributes } from '../../core/x509/names.js';
import { parseCertificate, type ParsedCert } from '../../core/x509/parse.js';
import { normalizeSerial, type Revocations } from '../revocation-list.js';
import type { CrlIndex } from './crl-index.js';
import type { Authorization, MtlsPolicy, SwarmRole } from './types.js';

const attribute = (cert: ParsedCert, type: string): string[] => nameAttributes(cert.subject, type);

/** Authorize a peer certificate (already chain-verified by TLS) against the policy. */
export function authorizePeer(cert: X509Certificate | Uint8Array | undefined, policy: MtlsPolicy, crl?: CrlIndex): Authorization {
  if (!cert) return { ok: false, reason: 'no client certificate' };
  let leaf: ParsedCert;
  try {
    leaf = parseCertificate(cert instanceof X509Certificate ? cert.raw : cert, 'peer certificate');
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const ou = attribute(leaf, OID.organizationalUnit);
  const role = ou.find((r): r is SwarmRole => (policy.allowedRoles as readonly string[]).includes(r));
  if (!role) return { ok: false, reason: `role ${ou.join(',') || '(none)'} is not allowed here (allowed: ${policy.allowedRoles.join(', ')})` };
  const o = attribute(leaf, OID.organization)[0];
  if (o !== policy.clusterId) return { ok: false, reason: `certificate is for cluster ${o ?? '(none)'}, not ${policy.clusterId}` };
  const nodeId = attribute(leaf, OID.commonName)[0];
  if (!nodeId) return { ok: false, reason: 'certificate has no CN (node ID)' };
  const serial = normalizeSerial(leaf.serialHex);
  if (crl?.isRevoked(serial)) return { ok: false, reason: `certificate ${serial} of node ${nodeId} is revoked (CRL)` };
  if (policy.isRevoked?.(serial, nodeId)) return { ok: false, reason: `certificate ${serial} of node ${nodeId} is revoked` };
  return { ok: true, nodeId, role, clusterId: o, serial };
}

/** Authorize a connected socket: the TLS verification result first, then the policy. */
export function authorizeSocket(socket: TLSSocket, policy: MtlsPolicy, crl?: CrlIndex): Authorization {
  if (!socket.authorized) {
    const why = socket.authorizationError;
    return { ok: false, reason: why ? `certificate not verified: ${String(why)}` : 'no verified peer certificate' };
  }
  return authorizePeer(socket.getPeerX509Certificate(), policy, crl);
}

/**
 * A policy revocation check: from the CA's own records (serial or node, as
 * `ca revoke` keeps them; what a process with the CA state uses), or from a
 * verified CRL (serials only; what a remote peer has).
 */
export function revocationCheck(source: Revocations | CrlIndex): (serialHex: string, nodeId: string) => boolean {
  if ('isNodeRevoked' in source) return (serial, nodeId) => source.isSerialRevoked(serial) || source.isNodeRevoked(nodeId);
  return (serial) => source.isRevoked(serial);
}

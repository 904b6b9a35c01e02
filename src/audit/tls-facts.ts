/**
 * SW-05 facts: what a manager's swarm port presented in a TLS handshake. Only
 * public material (the leaf certificate and facts read from it) is kept.
 */

/** The leaf certificate a peer presented, and facts read from it. */
export interface TlsPeerCert {
  /** Subject attributes SwarmKit sets (swarmkit spec 2.2): O = cluster ID, OU = role, CN = node ID. */
  subject: { O?: string; OU?: string; CN?: string };
  subjectText: string;
  issuerText: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  /** The issuer's key identifier (AuthorityKeyIdentifier), hex, when the leaf carries one. */
  authorityKeyId?: string;
  /** SHA-256 of the issuer's SubjectPublicKeyInfo, when the peer sent its issuer in the chain. */
  issuerKeySha256?: string;
  /** How many certificates the peer sent (leaf first). */
  chainLength: number;
  /** The leaf, PEM: lets rules verify its signature against the cluster's issuer key. */
  pem: string;
}

export interface TlsProbe {
  /** `host:port` that was dialled. */
  address: string;
  /** Where the address came from: a manager's ManagerStatus.Addr, or a list given by the user. */
  source: 'manager' | 'listed';
  /** The node whose ManagerStatus.Addr this is. */
  nodeId?: string;
  hostname?: string;
  /** TLS version negotiated. */
  protocol?: string;
  cert?: TlsPeerCert;
  /** Why no certificate was obtained (refused, timeout, not TLS, unparseable certificate). */
  error?: string;
}

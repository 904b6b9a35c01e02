/**
 * The data the mTLS helpers take and give: material (what we present and
 * trust), policy (who may talk to us), and the verdict on a peer.
 */
import type { Clock } from '../../core/clock.js';

export type SwarmRole = 'swarm-manager' | 'swarm-worker';

export interface MtlsMaterial {
  /** Our certificate first, then any intermediates (the cross-signed root during a rotation). */
  certChainPem: string;
  keyPem: string | Buffer;
  /**
   * Every root to trust, as one PEM bundle. During a root rotation this must
   * hold the old AND the new root (`trustBundle(state)`): a [leaf][cross-signed]
   * chain is refused by OpenSSL, so by Node, when only the old root is trusted (spec 4.4).
   */
  trustRootsPem: string;
  /** The cluster CA's CRL(s), PEM; each must be signed by a trusted root or one of our intermediates. */
  crl?: string;
}

export interface MtlsPolicy {
  /** O of every acceptable peer certificate (spec 8.2: O[0] must equal the cluster ID). */
  clusterId: string;
  /** OU values accepted; a peer must carry at least one. */
  allowedRoles: readonly SwarmRole[];
  /** Extra revocation source (the CA's records, a blacklist): true refuses the peer. */
  isRevoked?: (serialHex: string, nodeId: string) => boolean;
  /** Name a client asks for and checks in the server certificate (spec 8.1: swarm-manager, or swarm-ca for CA calls). */
  serverName?: string;
}

export interface PeerIdentity {
  nodeId: string;
  role: SwarmRole;
  clusterId: string;
  /** Lowercase hex, no leading zero octets. */
  serial: string;
}

export type Authorization = ({ ok: true } & PeerIdentity) | { ok: false; reason: string };

export interface MtlsEvents {
  /** Operator log: refusals (rate-capped) and reloads. Nothing is logged without it. */
  log?: (line: string) => void;
  /** Every refused connection, uncapped, with the reason and the peer address when known. */
  onRefused?: (reason: string, remote: string | undefined) => void;
  /** After new material took effect (update or a watched file change). */
  onReload?: (info: { serial: string; notAfter: Date }) => void;
  /** Reads `now` for the stale-CRL warning; the system clock by default. */
  clock?: Clock;
}

/**
 * Mutual TLS from the CA's material, for Node `tls`/`https` servers and
 * clients: TLS 1.2+, AEAD suites only, client certificates required, and an
 * authorization step on the verified peer leaf as SwarmKit does it (spec 8.2):
 * OU is an allowed role, O is the cluster ID, and neither the certificate
 * (serial, from the CRL or the CA's records) nor the node (CN) is revoked —
 * SwarmKit has no CRL (spec 8.3); we honour ours.
 *
 * During a root rotation leaves arrive as [leaf][cross-signed root] whose
 * intermediate has subject = issuer = CN=swarm-ca and no AKI; OpenSSL (and so
 * Node) rejects that chain when only the old root is trusted (spec 4.4). Pass
 * the whole trust bundle (old + new roots: `trustBundle(state)`) as `trustRootsPem`.
 *
 * The pieces live in ./mtls/: types, authorize (pure policy), crl-index,
 * guard (refusal and logging), credentials (reload), context (one-shot), from-ca.
 */
export type { Authorization, MtlsEvents, MtlsMaterial, MtlsPolicy, PeerIdentity, SwarmRole } from './mtls/types.js';
export { authorizePeer, authorizeSocket, revocationCheck } from './mtls/authorize.js';
export { crlIndex, type CrlIndex, type CrlSummary } from './mtls/crl-index.js';
export { REFUSAL_LOG_LIMIT, tlsErrorReason } from './mtls/guard.js';
export {
  DEFAULT_SERVER_NAME,
  MtlsCredentials,
  /** The earlier name of MtlsCredentials. */
  MtlsCredentials as MtlsServerCredentials,
  WATCH_DEFAULTS,
  createReloadableServer,
  secureContextOptions,
  type ReloadableServerOptions,
  type WatchFiles,
  type WatchOptions,
} from './mtls/credentials.js';
export { clientContext, clientOptions, serverContext, type ClientContext, type ServerContext } from './mtls/context.js';
export { caPolicy, mtlsFromCa, type IssuedMtls, type MtlsFromCaOptions } from './mtls/from-ca.js';

/**
 * Limits and fixed names of the cfssl-compatible sign API. The shared ones
 * (body cap, request timeout, sign path) live in defaults.cfssl; these are the
 * server's own and are re-exported together so the server reads one object.
 */
import { defaults } from '../../defaults.js';

export const cfsslLimits = Object.freeze({
  ...defaults.cfssl,
  /** swarmkit's own example external-CA server answers on /sign (spec 5.1); the URL is used verbatim. */
  altSignPath: '/sign',
  /** cfssl serve's default address (spec 11 ran it on 127.0.0.1:8888). */
  listen: '127.0.0.1:8888',
  /** SAN of the self-issued server certificate when --host is not given. */
  serverHosts: ['127.0.0.1'] as readonly string[],
  serverCommonName: 'swarmguard-ca-serve',
  /** Re-issue the self-issued server certificate once this share of its life has passed. */
  serverCertRenewAt: 2 / 3,
  serverCertCheckMs: 60 * 60_000,
  /** On SIGTERM: stop accepting, let in-flight requests finish for this long, then cut connections. */
  shutdownGraceMs: 5_000,
  /** After answering a request whose body we refused (413, 408), drop the connection this soon. */
  dropAfterRefusalMs: 1_000,
  /** Bounds on request fields, far above what SwarmKit sends. */
  maxHosts: 16,
  maxHostLength: 253,
  maxNames: 4,
  maxAttrLength: 128,
});

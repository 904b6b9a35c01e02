/**
 * One-shot contexts for callers that do not reload: options for
 * tls.createServer / tls.connect plus the authorization step. For renewal
 * without dropping connections use MtlsCredentials or createReloadableServer.
 */
import type * as tls from 'node:tls';
import { MtlsCredentials } from './credentials.js';
import type { Authorization, MtlsEvents, MtlsMaterial, MtlsPolicy, PeerIdentity } from './types.js';

export interface ServerContext {
  /** tls.createServer / https.createServer options: TLS 1.2+, AEAD, client certificate required. */
  options: tls.TlsOptions;
  /** The verdict on a connected socket. */
  authorize(socket: tls.TLSSocket): Authorization;
  /** Enforce the policy on every connection of a server built from `options` (refusals closed and reported). */
  attach<S extends tls.Server>(server: S, admit?: (socket: tls.TLSSocket, peer: PeerIdentity) => void): S;
}

export interface ClientContext {
  /** tls.connect / https.request options; the server is checked by name and policy during the handshake. */
  options: tls.ConnectionOptions;
  authorize(socket: tls.TLSSocket): Authorization;
}

export function serverContext(material: MtlsMaterial, policy: MtlsPolicy, events: MtlsEvents = {}): ServerContext {
  const c = new MtlsCredentials(material, policy, events);
  return { options: c.serverOptions(), authorize: (s) => c.authorize(s), attach: (server, admit) => c.attach(server, admit) };
}

export function clientContext(material: MtlsMaterial, policy: MtlsPolicy): ClientContext {
  const c = new MtlsCredentials(material, policy);
  return { options: c.clientOptions(), authorize: (s) => c.authorize(s) };
}

/** Client options only; `serverName` overrides policy.serverName (default swarm-manager). */
export function clientOptions(material: MtlsMaterial, policy: MtlsPolicy, serverName?: string): tls.ConnectionOptions {
  return new MtlsCredentials(material, policy).clientOptions(serverName);
}

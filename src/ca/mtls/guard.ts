/**
 * What a server does with each connection: refuse (close, say why) or admit.
 * TLS-layer refusals (no certificate, unknown CA, expired, old protocol, CBC
 * suites) are reported from 'tlsClientError', where Node leaves the
 * verification error on the socket; policy refusals from 'secureConnection'.
 */
import { defaults } from '../../defaults.js';
import type * as tls from 'node:tls';
import { systemClock } from '../../core/clock.js';
import type { Authorization, MtlsEvents, PeerIdentity } from './types.js';

/**
 * Log volume bounds: a scanner must not flood the operator log. (Candidates
 * for defaults.tls; kept here until that object grows an mtls section.)
 */
export const REFUSAL_LOG_LIMIT = defaults.tls.refusalLog;

/** OpenSSL codes on a server handshake, as the reason an operator reads. One row per code. */
const TLS_ERROR_REASONS: Readonly<Record<string, string>> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no client certificate (one is required)',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'TLS version below 1.2',
  ERR_SSL_NO_SHARED_CIPHER: 'no shared cipher suite (TLS 1.2 needs an AEAD suite: ECDHE with AES-GCM or ChaCha20-Poly1305)',
  ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM: 'no shared signature algorithm',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not a TLS client',
  ERR_SSL_HTTP_REQUEST: 'plain HTTP sent to a TLS port',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the client does not trust our certificate (unknown CA)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the client rejected our certificate',
};

/** Why a handshake failed, from the error and the verification result Node leaves on the socket. */
export function tlsErrorReason(err: Error & { code?: string }, socket: tls.TLSSocket | undefined): string {
  const verify = socket?.authorizationError;
  if (verify) return `client certificate refused: ${String(verify)}`;
  const known = err.code ? TLS_ERROR_REASONS[err.code] : undefined;
  if (known) return `${known} [${err.code}]`;
  if (err.code === 'ECONNRESET') return 'the client closed the connection during the handshake';
  return `TLS handshake failed: ${err.code ?? err.message.split('\n')[0]}`;
}

export interface Reporter {
  refuse(reason: string, remote: string | undefined): void;
  info(line: string): void;
}

/** Every refusal to `onRefused`; to `log` at most REFUSAL_LOG_LIMIT per window, then a count. */
export function reporter(events: MtlsEvents): Reporter {
  const clock = events.clock ?? systemClock;
  let windowStart = 0;
  let logged = 0;
  let dropped = 0;
  return {
    refuse(reason, remote) {
      events.onRefused?.(reason, remote);
      if (!events.log) return;
      const now = clock.now().getTime();
      if (now - windowStart >= REFUSAL_LOG_LIMIT.windowMs) {
        if (dropped > 0) events.log(`mtls: ${dropped} further refused connections were not logged`);
        windowStart = now;
        logged = 0;
        dropped = 0;
      }
      if (logged >= REFUSAL_LOG_LIMIT.perWindow) {
        dropped++;
        return;
      }
      logged++;
      events.log(`mtls: refused a connection from ${remote ?? 'an unknown address'}: ${reason}`);
    },
    info(line) {
      events.log?.(`mtls: ${line}`);
    },
  };
}

/**
 * Enforce `authorize` on every connection of `server`. The check runs before
 * every other 'secureConnection' listener (https's included) and destroys a
 * refused socket synchronously, so nothing is read from it. `admit` sees admitted sockets only.
 */
export function guardServer<S extends tls.Server>(
  server: S,
  authorize: (socket: tls.TLSSocket) => Authorization,
  report: Reporter,
  admit?: (socket: tls.TLSSocket, peer: PeerIdentity) => void,
): S {
  // first in line: https.Server's own listener (the HTTP parser) must never see a refused socket
  server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
    const verdict = authorize(socket);
    if (!verdict.ok) {
      report.refuse(verdict.reason, socket.remoteAddress);
      socket.destroy();
      return;
    }
    if (admit) {
      const { ok: _ok, ...peer } = verdict;
      admit(socket, peer);
    }
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => report.refuse(tlsErrorReason(err, socket), socket?.remoteAddress));
  return server;
}

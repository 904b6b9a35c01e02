/**
 * The HTTPS server of the cfssl-compatible sign API (node:https, no
 * framework): routing, the body cap, the request timeout, client-certificate
 * policy and graceful shutdown. Signing itself is `CfsslSigner`.
 *
 * Every response, including refusals of malformed HTTP, is a cfssl envelope.
 */
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { defaults } from '../../defaults.js';
import { RuntimeError } from '../../errors.js';
import { failureBody } from './envelope.js';
import { failure, type CfsslFailure } from './errors.js';
import type { CfsslSigner } from './sign.js';

export interface ServerTlsOptions {
  /** Server certificate chain (leaf first) and key, PEM. */
  certPem: string;
  keyPem: string;
  /** Trust roots for client certificates; undefined = no client authentication (refused unless the caller chose it). */
  clientCaPems?: string[];
  /** Require client certificates with OU=swarm-manager. */
  requireManager?: boolean;
  /** With requireManager: the client certificate's O must be this cluster ID. */
  clusterId?: string;
}

export interface CfsslServerOptions {
  signer: CfsslSigner;
  host: string;
  /** 0 = pick a free port. */
  port: number;
  /** HTTPS settings; undefined serves plain HTTP (benchmarks on loopback only). */
  tls?: ServerTlsOptions;
  signPaths?: readonly string[];
  maxRequestBytes?: number;
  requestTimeoutMs?: number;
  shutdownGraceMs?: number;
  /** Operator log (stderr in the CLI). */
  log?: (msg: string) => void;
}

export interface CfsslServer {
  /** e.g. https://127.0.0.1:8888 */
  readonly url: string;
  /** The full sign endpoint, as given to `docker swarm ca --external-ca protocol=cfssl,url=...`. */
  readonly signUrl: string;
  readonly host: string;
  readonly port: number;
  /** Swap the server certificate (renewal of a self-issued identity); new connections use it. */
  setIdentity(certPem: string, keyPem: string): void;
  /** Stop accepting, finish in-flight requests (bounded), close connections. */
  close(): Promise<void>;
  /** Counters since start. */
  stats(): { requests: number; issued: number; refused: number };
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;
/** Cap on server-side log lines about refused TLS handshakes, so a scanner cannot flood the log. */
const MAX_TLS_ERROR_LOGS = 50;

export function formatUrl(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export async function startCfsslServer(opts: CfsslServerOptions): Promise<CfsslServer> {
  const log = opts.log ?? (() => undefined);
  const maxBytes = opts.maxRequestBytes ?? defaults.cfssl.maxRequestBytes;
  const timeoutMs = opts.requestTimeoutMs ?? defaults.cfssl.requestTimeoutMs;
  const paths = new Set(opts.signPaths ?? [defaults.cfssl.signPath, defaults.cfssl.altSignPath]);
  const tls = opts.tls;
  const counters = { requests: 0, issued: 0, refused: 0 };
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  /** Per-connection verdict on the client certificate (undefined = allowed). */
  const clientVerdicts = new WeakMap<Socket, CfsslFailure | null>();

  const send = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}, close = false): void => {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(body), ...extra };
    if (close || closing) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  };
  const refuse = (res: ServerResponse, f: CfsslFailure, extra: Record<string, string> = {}, close = false): void => {
    counters.refused++;
    send(res, f.status, failureBody(f), extra, close);
  };
  /** After refusing a request whose body we will not read: drop the connection once the answer is out. */
  const dropSoon = (req: IncomingMessage): void => {
    req.resume();
    setTimeout(() => req.socket.destroy(), defaults.cfssl.dropAfterRefusalMs).unref();
  };

  const clientVerdict = (req: IncomingMessage): CfsslFailure | null => {
    if (!tls?.requireManager) return null;
    const socket = req.socket;
    const cached = clientVerdicts.get(socket);
    if (cached !== undefined) return cached;
    const peer = (socket as TLSSocket).getPeerCertificate?.();
    const subject = (peer && 'subject' in peer ? peer.subject : undefined) as Record<string, string | string[] | undefined> | undefined;
    const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    let verdict: CfsslFailure | null = null;
    if (!subject || !list(subject.OU).includes('swarm-manager')) {
      verdict = failure('ERR_CFSSL_CLIENT', 'this server signs only for swarm managers; present a node certificate with OU=swarm-manager');
    } else if (tls.clusterId !== undefined && !list(subject.O).includes(tls.clusterId)) {
      verdict = failure('ERR_CFSSL_CLIENT', `this server signs only for managers of cluster ${tls.clusterId}`);
    }
    clientVerdicts.set(socket, verdict);
    return verdict;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    counters.requests++;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    if (!paths.has(path)) {
      refuse(res, failure('ERR_CFSSL_NOT_FOUND', `no endpoint at ${JSON.stringify(path.slice(0, 100))}; POST sign requests to ${[...paths].join(' or ')}`));
      dropIfBody(req);
      return;
    }
    if (req.method !== 'POST') {
      refuse(res, failure('ERR_CFSSL_METHOD', JSON.stringify(req.method ?? '')), { Allow: 'POST' });
      dropIfBody(req);
      return;
    }
    const denied = clientVerdict(req);
    if (denied) {
      refuse(res, denied);
      dropIfBody(req);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      refuse(res, failure('ERR_CFSSL_TOO_LARGE', `the body is ${declared} bytes; the limit is ${maxBytes}`), {}, true);
      dropSoon(req);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      refuse(res, failure('ERR_CFSSL_TIMEOUT', `the request body did not arrive within ${timeoutMs} ms`), {}, true);
      dropSoon(req);
    }, timeoutMs);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        clearTimeout(timer);
        chunks.length = 0;
        refuse(res, failure('ERR_CFSSL_TOO_LARGE', `the body is over the ${maxBytes}-byte limit`), {}, true);
        dropSoon(req);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      done = true;
      clearTimeout(timer);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const work = opts.signer.sign(body).then((r) => {
        if (r.status === 200) counters.issued++;
        else counters.refused++;
        send(res, r.status, r.body);
      });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
  };

  /** A refused request may still carry a body: read and discard it, within the cap. */
  const dropIfBody = (req: IncomingMessage): void => {
    let seen = 0;
    req.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen > maxBytes) req.socket.destroy();
    });
    req.resume();
  };

  const server: HttpServer | HttpsServer = tls
    ? createHttpsServer(
        {
          cert: tls.certPem,
          key: tls.keyPem,
          minVersion: defaults.tls.minVersion,
          ciphers: defaults.tls.ciphers,
          honorCipherOrder: true,
          ...(tls.clientCaPems ? { ca: tls.clientCaPems, requestCert: true, rejectUnauthorized: true } : {}),
        },
        onRequest,
      )
    : createHttpServer(onRequest);
  server.headersTimeout = timeoutMs;
  // backstop only: our own timer answers first, with an envelope
  server.requestTimeout = timeoutMs + 1_000;
  server.maxHeadersCount = 64;

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = failureBody({ status, code: status, message: `${STATUS_CODES[status] ?? 'Bad request'}: the HTTP request is malformed (${err.code ?? 'parse error'})` });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  let tlsErrorLogs = 0;
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    if (tlsErrorLogs < MAX_TLS_ERROR_LOGS) {
      tlsErrorLogs++;
      log(`refused a TLS connection from ${socket.remoteAddress ?? '?'}: ${err.code ?? ''} ${err.message}${tlsErrorLogs === MAX_TLS_ERROR_LOGS ? ' (further handshake errors are not logged)' : ''}`);
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new RuntimeError('ERR_CFSSL_LISTEN', `cannot listen on ${opts.host}:${opts.port} (${e.code ?? e.message}); pick another --listen address`, { cause: e }));
    };
    server.once('error', onError);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = formatUrl(tls ? 'https' : 'http', opts.host, port);

  let closed: Promise<void> | undefined;
  return {
    url,
    signUrl: `${url}${opts.signPaths?.[0] ?? defaults.cfssl.signPath}`,
    host: opts.host,
    port,
    setIdentity(certPem, keyPem) {
      if (!tls) throw new TypeError('setIdentity: this server has no TLS');
      (server as HttpsServer).setSecureContext({
        cert: certPem,
        key: keyPem,
        minVersion: defaults.tls.minVersion,
        ciphers: defaults.tls.ciphers,
        honorCipherOrder: true,
        ...(tls.clientCaPems ? { ca: tls.clientCaPems } : {}),
      });
    },
    stats: () => ({ ...counters }),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = opts.shutdownGraceMs ?? defaults.cfssl.shutdownGraceMs;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), grace);
          timer.unref();
        });
        if ((await Promise.race([stopped, late])) === 'late') server.closeAllConnections();
        clearTimeout(timer);
        await Promise.allSettled([...inFlight]);
        await stopped;
      })();
      return closed;
    },
  };
}

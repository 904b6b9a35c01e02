/**
 * The one place trust code talks to the network: GET with a size cap (the
 * Content-Length is refused before the body is read, the body is cut at the
 * cap), a connect timeout and a total timeout, HTTPS with a custom CA and
 * client certificates, no redirects.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { defaults } from '../defaults.js';
import { refuse, TrustRuntimeError, TrustUsageError } from './errors.js';
import { BearerAuth, type TokenCredentials } from './token-auth.js';

export interface FetcherOptions {
  /** PEM CA certificates trusted for the server (replaces the system store when given). */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for servers that require mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Allow plain http:// (tests, a local server behind a trusted proxy). Off by default. */
  allowHttp?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * Basic credentials for the token service a server names in its Bearer
   * challenge (registry-style token auth, as notary-server's `auth.type: token`).
   * Without them a token is still asked for, anonymously.
   */
  credentials?: TokenCredentials;
}

export interface FetchResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** For a status other than 200, at most the first 16 KiB (enough for the server's error code). */
  body: Buffer;
}

export interface Fetcher {
  /** GET `url`; 200 bodies above `maxBytes` are refused with ERR_TRUST_TOO_LARGE naming `what`. */
  get(url: string, maxBytes: number, what: string): Promise<FetchResponse>;
  /** Close idle keep-alive connections. */
  close(): void;
}

/** Error bodies are read only this far (for the server's error code). */
const ERROR_BODY_BYTES = 16 * 1024;

export function createFetcher(o: FetcherOptions = {}): Fetcher {
  const timeoutMs = o.timeoutMs ?? defaults.trust.fetch.timeoutMs;
  const connectTimeoutMs = o.connectTimeoutMs ?? defaults.trust.fetch.connectTimeoutMs;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    minVersion: defaults.tls.minVersion,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.cert !== undefined ? { cert: o.cert } : {}),
    ...(o.key !== undefined ? { key: o.key } : {}),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const checkScheme = (u: URL): void => {
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && o.allowHttp)) {
      throw new TrustUsageError('ERR_TRUST_USAGE', `${u.origin}: trust data must come over https:// (a notary server always serves TLS)`);
    }
  };
  const request = (u: URL, headers: Record<string, string>, maxBytes: number, what: string): Promise<FetchResponse> =>
    cappedRequest({
      url: u,
      method: 'GET',
      agent: u.protocol === 'https:' ? agent : httpAgent,
      headers,
      maxBytes,
      errorBodyBytes: ERROR_BODY_BYTES,
      timeoutMs,
      connectTimeoutMs,
      what,
      role: what,
      peer: 'server',
      tlsHint: true,
    });
  const auth = new BearerAuth({
    ...(o.credentials ? { credentials: o.credentials } : {}),
    get: request,
    checkScheme,
    maxTokenBytes: defaults.trust.auth.maxTokenBytes,
    peer: 'the notary server',
  });
  return {
    close() {
      agent.destroy();
      httpAgent.destroy();
    },
    async get(url, maxBytes, what) {
      let u: URL;
      try {
        u = new URL(url);
      } catch (e) {
        throw new TrustUsageError('ERR_TRUST_USAGE', `${url} is not a URL`, { cause: e });
      }
      checkScheme(u);
      const headers = { accept: 'application/json, text/plain, */*', ...o.headers };
      // One token per server: a verification reads one repository, the challenge names its scope.
      return auth.run(u.origin, undefined, what, (h) => request(u, { ...headers, ...h }, maxBytes, what));
    },
  };
}

export interface CappedRequest {
  url: URL;
  method: 'GET' | 'HEAD';
  agent: http.Agent;
  headers: Record<string, string>;
  /** 200 bodies above this are refused with ERR_TRUST_TOO_LARGE (announced or sent). */
  maxBytes: number;
  /** Other statuses: the body is read this far, then cut. */
  errorBodyBytes: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** What is being fetched, for messages. */
  what: string;
  /** The role named in ERR_TRUST_TOO_LARGE. */
  role: string;
  /** Who answers, for messages: a notary server or a registry. */
  peer: 'server' | 'registry';
  /** On a TLS failure, say how to pass the server's CA. */
  tlsHint?: boolean;
}

/**
 * One HTTP(S) request with a size cap (an announced Content-Length is refused
 * before the body is read; the body is cut at the cap), a connect timeout and
 * a total timeout. Shared by the notary fetcher and the registry client.
 */
export function cappedRequest(r: CappedRequest): Promise<FetchResponse> {
  const { url: u, what, maxBytes } = r;
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise<FetchResponse>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      req.destroy();
      reject(e);
    };
    const total = setTimeout(
      () => fail(new TrustRuntimeError('ERR_TRUST_TIMEOUT', `${what}: no complete answer from ${u.origin} within ${r.timeoutMs} ms; the ${r.peer} is slow or stalling`)),
      r.timeoutMs,
    );
    const req = mod.request(u, { method: r.method, agent: r.agent, headers: { 'user-agent': defaults.trust.fetch.userAgent, ...r.headers } }, (res) => {
      const status = res.statusCode ?? 0;
      const cap = status === 200 ? maxBytes : r.errorBodyBytes;
      const declared = Number(res.headers['content-length']);
      if (r.method === 'GET' && status === 200 && Number.isFinite(declared) && declared > maxBytes) {
        fail(refuse('ERR_TRUST_TOO_LARGE', r.role, `${what}: the ${r.peer} announces ${declared} bytes, more than the ${maxBytes} allowed; refusing to download`, { length: declared, max: maxBytes }));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        if (settled) return;
        n += c.length;
        if (n > cap) {
          if (status === 200) {
            fail(refuse('ERR_TRUST_TOO_LARGE', r.role, `${what}: the ${r.peer} sent more than the ${maxBytes} bytes allowed; refusing the rest`, { max: maxBytes }));
          } else {
            settled = true;
            clearTimeout(total);
            res.destroy();
            resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
          }
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks, n) });
      });
      res.on('error', (e) => fail(new TrustRuntimeError('ERR_TRUST_NETWORK', `${what}: the connection to ${u.origin} broke (${e.message})`, { cause: e })));
    });
    req.setTimeout(r.connectTimeoutMs, () => fail(new TrustRuntimeError('ERR_TRUST_TIMEOUT', `${what}: ${u.origin} did not answer within ${r.connectTimeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tls = r.tlsHint === true && /certificate|self.signed|CERT_|unable to verify/i.test(`${e.code ?? ''} ${e.message}`);
      fail(
        new TrustRuntimeError(
          'ERR_TRUST_NETWORK',
          tls ? `${what}: TLS with ${u.origin} failed (${e.code ?? e.message}); pass the server's CA with --ca FILE` : `${what}: cannot reach ${u.origin} (${e.code ?? e.message})`,
          { cause: e },
        ),
      );
    });
    req.end();
  });
}

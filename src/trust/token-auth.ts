/**
 * Registry-style Bearer token auth (the distribution token protocol, which
 * notary-server speaks too), shared by the notary fetcher and the registry
 * client: a 401 carrying `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
 * is answered by GET realm?service=…&scope=… (Basic credentials when given),
 * the `token` (or `access_token`) of the answer is sent as
 * `Authorization: Bearer` on one retry and kept for later requests.
 *
 * The token is opaque to the client: the server checks its signature, issuer,
 * audience, lifetime and access claims. Importing this module has no side effects.
 */
import type * as http from 'node:http';
import { TrustRuntimeError, TrustUsageError } from './errors.js';
import type { FetchResponse } from './fetcher.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse one `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"`. */
export function parseWwwAuthenticate(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9._-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z][A-Za-z0-9._-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)\s*/gy;
  const rest = m[2]!;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** Basic credentials for a token endpoint (never from argv: the CLI reads them from a file or the environment). */
export interface TokenCredentials {
  username: string;
  password: string;
}

/**
 * Parse `user:password` (one line, as a credentials file or environment
 * variable holds it). The password may contain `:`; a trailing newline is dropped.
 */
export function parseCredentials(text: string, where: string): TokenCredentials {
  const line = text.replace(/\r?\n$/, '');
  const i = line.indexOf(':');
  if (i <= 0 || /[\r\n]/.test(line)) {
    throw new TrustUsageError('ERR_TRUST_INPUT', `${where} must hold one line USER:PASSWORD`);
  }
  return { username: line.slice(0, i), password: line.slice(i + 1) };
}

export interface BearerAuthOptions {
  credentials?: TokenCredentials;
  /** Sends one GET to the token realm (the caller's capped request, agent, timeouts). */
  get(url: URL, headers: Record<string, string>, maxBytes: number, what: string): Promise<FetchResponse>;
  /** Refuses a realm URL whose scheme the caller does not allow (https unless allowHttp). */
  checkScheme(u: URL): void;
  maxTokenBytes: number;
  /** Who asked for the token, for messages: `the notary server` or `the registry`. */
  peer: string;
}

/**
 * Tokens by key (the caller chooses: a scope, or a server origin) and the
 * challenge → token → retry round trip.
 */
export class BearerAuth {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly o: BearerAuthOptions) {}

  /** The Authorization header for `key`, when a token is held for it. */
  headers(key: string): Record<string, string> {
    const t = this.tokens.get(key);
    return t !== undefined ? { authorization: `Bearer ${t}` } : {};
  }

  /**
   * Send `send(headers)`; on a 401 with a Bearer challenge, fetch a token for
   * the challenge's scope (else `defaultScope`) and send once more. A second
   * 401 is ERR_TRUST_AUTH. Any other answer is returned as is.
   */
  async run(key: string, defaultScope: string | undefined, what: string, send: (auth: Record<string, string>) => Promise<FetchResponse>): Promise<FetchResponse> {
    const first = await send(this.headers(key));
    if (first.status !== 401) return first;
    const challenge = parseWwwAuthenticate(header(first.headers, 'www-authenticate') ?? '');
    if (!challenge || challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new TrustRuntimeError('ERR_TRUST_AUTH', `${what}: ${this.o.peer} requires authentication (HTTP 401) but offers no Bearer token challenge; only token auth is supported`, {
        details: { status: 401 },
      });
    }
    const scope = challenge.params.scope ?? defaultScope;
    const token = await this.fetchToken(challenge.params, scope, what);
    this.tokens.set(key, token);
    const second = await send(this.headers(key));
    if (second.status === 401 || second.status === 403) {
      throw new TrustRuntimeError(
        'ERR_TRUST_AUTH',
        `${what}: ${this.o.peer} refused the token from ${new URL(challenge.params.realm).origin} (HTTP ${second.status})${this.o.credentials ? '; the account may lack pull access' : '; give credentials for the token service'}`,
        { details: { status: second.status } },
      );
    }
    return second;
  }

  private async fetchToken(params: Record<string, string>, scope: string | undefined, what: string): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(params.realm!);
    } catch (e) {
      throw new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: the token realm ${JSON.stringify(params.realm)} is not a URL`, { cause: e });
    }
    this.o.checkScheme(realm);
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    if (scope !== undefined) realm.searchParams.set('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    const c = this.o.credentials;
    if (c !== undefined) headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const r = await this.o.get(realm, headers, this.o.maxTokenBytes, `token for ${scope ?? 'the challenge'}`);
    if (r.status === 401 || r.status === 403) {
      throw new TrustRuntimeError(
        'ERR_TRUST_AUTH',
        `${what}: the token service ${realm.origin} refused ${c ? `the credentials of ${JSON.stringify(c.username)}` : 'an anonymous request'} (HTTP ${r.status}); ${c ? 'check the credentials' : 'give credentials (a file or the environment variable)'}`,
        { details: { status: r.status } },
      );
    }
    if (r.status !== 200) throw new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: the token service ${realm.origin} answered HTTP ${r.status}`, { details: { status: r.status } });
    let token: unknown;
    try {
      const j = JSON.parse(r.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch {
      // handled below
    }
    if (typeof token !== 'string' || token.length === 0 || !/^[\x21-\x7e]+$/.test(token)) {
      throw new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: the token service ${realm.origin} sent no usable token`);
    }
    return token;
  }
}

export function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

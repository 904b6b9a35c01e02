/**
 * A small registry-style token service for interop tests (node https on
 * 127.0.0.1, in process): GET /token?service=…&scope=type:name:actions with
 * Basic credentials answers `{"token": JWT}`. The JWT is ES256, its header
 * carries the signing certificate chain (`x5c`, standard base64 DER), its
 * claims iss / sub / aud (= service) / exp / nbf / iat / jti and `access`:
 * one entry per requested scope, with every requested action granted to a
 * known user. Wrong credentials get 401; so do missing ones, unless
 * `anonymousPull` is on (then only `pull` is granted).
 *
 * These are the claims distribution's token access controller checks (the
 * one notary-server uses): issuer, audience, exp/nbf with leeway, x5c chain
 * to `rootcertbundle`, signature, then the access list against the request.
 */
import { createPrivateKey, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export interface TokenServer {
  url: string;
  /** The realm to configure: `${url}/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** What was asked: user (or '-') and the scopes, in order. */
  requests: Array<{ user: string; scopes: string[]; granted: boolean }>;
  /**
   * Grant `pull` (only) to requests without credentials, as a registry does
   * for public repositories. The notary client asks anonymously for
   * read-only commands (`notary list`), with NOTARY_AUTH only for writes.
   */
  anonymousPull: boolean;
  close(): Promise<void>;
}

export interface TokenServerOptions {
  /** TLS certificate and key of the service itself (PEM files). */
  tlsCert: string;
  tlsKey: string;
  /** The JWT signing certificate and key (PEM files); the certificate goes into `x5c`. */
  signCert: string;
  signKey: string;
  users: Record<string, string>;
  service?: string;
  issuer?: string;
  lifetimeSeconds?: number;
}

/** `repository:127.0.0.1:5000/team/app:pull,push`: the name may hold colons, the type and actions cannot. */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function userOf(header: string | undefined, users: Record<string, string>): string | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return undefined;
  const user = text.slice(0, i);
  const want = users[user];
  if (want === undefined) return undefined;
  const a = Buffer.from(text.slice(i + 1));
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b) ? user : undefined;
}

export async function startTokenServer(o: TokenServerOptions): Promise<TokenServer> {
  const service = o.service ?? 'swarmguard-notary';
  const issuer = o.issuer ?? 'swarmguard-test-issuer';
  const lifetime = o.lifetimeSeconds ?? 300;
  const signKey = createPrivateKey(await readFile(o.signKey));
  const x5c = [new X509Certificate(await readFile(o.signCert)).raw.toString('base64')];
  const requests: TokenServer['requests'] = [];
  let self: TokenServer;
  const server = https.createServer({ cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey) }, (req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'https://127.0.0.1');
      if (req.method !== 'GET' || u.pathname !== '/token') {
        res.writeHead(404).end();
        return;
      }
      const scopes = u.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const user = userOf(req.headers.authorization, o.users);
      const anonymous = req.headers.authorization === undefined && self.anonymousPull;
      requests.push({ user: user ?? '-', scopes, granted: user !== undefined || anonymous });
      if ((user === undefined && !anonymous) || u.searchParams.get('service') !== service) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="swarmguard-test"' }).end('{"details":"unauthorized"}');
        return;
      }
      const access = scopes
        .map(parseScope)
        .filter((s) => s !== undefined)
        .map((s) => (user === undefined ? { ...s, actions: s.actions.filter((a) => a === 'pull') } : s));
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
        .setIssuer(issuer)
        .setSubject(user ?? '')
        .setAudience(service)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + lifetime)
        .setJti(randomUUID())
        .sign(signKey);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() }));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self = {
    anonymousPull: false,
    url,
    realm: `${url}/token`,
    service,
    issuer,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return self;
}

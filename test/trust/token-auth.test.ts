/**
 * The shared Bearer token auth (token-auth.ts) through the notary fetcher,
 * against a fake server and token service on 127.0.0.1: the round trip and
 * token reuse per server, the scope taken from the challenge, a 401 without a
 * Bearer challenge, a token the server still refuses, a refused account; and
 * fuzzing of the two parsers (credentials, WWW-Authenticate).
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { createFetcher } from '../../src/trust/fetcher.js';
import { NotaryServerSource } from '../../src/trust/notary/source-http.js';
import { parseCredentials, parseWwwAuthenticate } from '../../src/trust/token-auth.js';

interface Fake {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

/** mode: 'ok' grants tok-1 to alice:pw; 'no-challenge' answers 401 without Bearer; 'refuse-token' answers 401 even with a token; 'forbidden' 403 with a token. */
async function fake(mode: 'ok' | 'no-challenge' | 'refuse-token' | 'forbidden'): Promise<Fake> {
  const seen: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url!, base);
    seen.push(`${u.pathname}${u.pathname === '/token' ? `?${u.searchParams.toString()}` : ''} ${req.headers.authorization?.split(' ')[0] ?? '-'}`);
    if (u.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:p:w').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"tok-1"}');
      return;
    }
    if (mode === 'no-challenge') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      return;
    }
    if (req.headers.authorization !== 'Bearer tok-1' || mode === 'refuse-token') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="notary",scope="repository:a/b:pull"` }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (mode === 'forbidden') {
      res.writeHead(403).end('{"errors":[{"code":"DENIED","message":"no"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('challenge → token (Basic credentials, the challenge scope) → retry; the token is reused for the server', async () => {
  const f = await fake('ok');
  const fetcher = createFetcher({ allowHttp: true, credentials: { username: 'alice', password: 'p:w' } });
  try {
    assert.equal((await fetcher.get(`${f.url}/v2/a/b/_trust/tuf/root.json`, 1000, 'root')).status, 200);
    assert.equal((await fetcher.get(`${f.url}/v2/a/b/_trust/tuf/timestamp.json`, 1000, 'timestamp')).status, 200);
    assert.deepEqual(f.seen, [
      '/v2/a/b/_trust/tuf/root.json -',
      '/token?service=notary&scope=repository%3Aa%2Fb%3Apull Basic',
      '/v2/a/b/_trust/tuf/root.json Bearer',
      '/v2/a/b/_trust/tuf/timestamp.json Bearer',
    ]);
  } finally {
    fetcher.close();
    await f.close();
  }
});

test('auth failures are ERR_TRUST_AUTH (exit 3), never leaking the password', async () => {
  const cases: Array<[mode: 'ok' | 'no-challenge' | 'refuse-token' | 'forbidden', creds: { username: string; password: string } | undefined, re: RegExp]> = [
    ['ok', undefined, /anonymous request/],
    ['ok', { username: 'alice', password: 'wrong' }, /credentials of "alice"/],
    ['no-challenge', { username: 'alice', password: 'p:w' }, /no Bearer token challenge/],
    ['refuse-token', { username: 'alice', password: 'p:w' }, /refused the token/],
    ['forbidden', { username: 'alice', password: 'p:w' }, /lack pull access/],
  ];
  for (const [mode, credentials, re] of cases) {
    const f = await fake(mode);
    const fetcher = createFetcher({ allowHttp: true, ...(credentials ? { credentials } : {}) });
    try {
      const source = new NotaryServerSource(f.url, 'a/b', fetcher);
      await assert.rejects(source.fetch({ role: 'root', maxBytes: 1000 }), (e: { code?: string; exitCode?: number; message: string }) => {
        assert.equal(e.code, 'ERR_TRUST_AUTH', `${mode}: ${e.message}`);
        assert.equal(e.exitCode, 3);
        assert.match(e.message, re);
        assert.doesNotMatch(e.message, /p:w|wrong/);
        return true;
      });
    } finally {
      fetcher.close();
      await f.close();
    }
  }
});

test('parseCredentials: USER:PASSWORD, the password may hold colons; anything else is a typed error', () => {
  assert.deepEqual(parseCredentials('bob:b:ob\n', 'x'), { username: 'bob', password: 'b:ob' });
  assert.deepEqual(parseCredentials('bob:', 'x'), { username: 'bob', password: '' });
  for (const bad of ['', 'nocolon', ':pw', 'a:b\nc:d']) assert.throws(() => parseCredentials(bad, 'x'), (e: { code?: string }) => e.code === 'ERR_TRUST_INPUT', bad);
});

test('fuzz: parseCredentials and parseWwwAuthenticate never crash or hang: a value or a typed error', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        const c = parseCredentials(s, 'fuzz');
        assert.ok(c.username.length > 0 && !c.username.includes(':'));
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'ERR_TRUST_INPUT');
      }
    }),
    { numRuns: 2000 },
  );
  const header = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc
      .array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 40 }), fc.boolean()), { maxLength: 6 })
      .map((ps) => `Bearer ${ps.map(([k, v, q]) => (q ? `${k}="${v.replace(/["\\]/g, '\\$&')}"` : `${k}=${v}`)).join(',')}`),
  );
  fc.assert(
    fc.property(header, (h) => {
      const c = parseWwwAuthenticate(h);
      if (c !== undefined) {
        assert.equal(typeof c.scheme, 'string');
        for (const v of Object.values(c.params)) assert.equal(typeof v, 'string');
      }
    }),
    { numRuns: 3000 },
  );
});

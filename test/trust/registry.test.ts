/**
 * The registry client against a fake distribution server on 127.0.0.1:
 * WWW-Authenticate parsing, Bearer token auth (realm/service/scope, Basic
 * credentials to the token endpoint), HEAD/GET by tag and digest, the sha256
 * checks, size caps and timeouts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseWwwAuthenticate, RegistryClient } from '../../src/trust/registry/client.js';

const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

interface Fake {
  url: string;
  requests: Array<{ method: string; url: string; auth?: string; accept?: string }>;
  close(): Promise<void>;
}

async function fakeRegistry(o: { auth?: boolean; lieDigest?: boolean; body?: Buffer; stall?: boolean; noLength?: boolean } = {}): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const body = o.body ?? MANIFEST;
  let base = '';
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), ...(req.headers.accept ? { accept: req.headers.accept } : {}) });
    if (req.url!.startsWith('/token')) {
      const q = new URL(req.url!, base).searchParams;
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:pw').toString('base64')}` || q.get('service') !== 'fake' || q.get('scope') !== 'repository:team/app:pull') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
      return;
    }
    if (o.auth && req.headers.authorization !== 'Bearer tok-123') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="fake",scope="repository:team/app:pull"` }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    if (o.stall) return; // never answers
    const m = /^\/v2\/team\/app\/manifests\/(.+)$/.exec(req.url!);
    if (!m || (m[1] !== 'v1' && m[1] !== DIGEST)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'docker-content-digest': o.lieDigest ? `sha256:${'0'.repeat(64)}` : DIGEST,
    };
    if (!o.noLength) headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

test('parseWwwAuthenticate: Bearer with quoted and bare params', () => {
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
  });
  assert.deepEqual(parseWwwAuthenticate('Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="a\\"b", error="insufficient_scope"'), { scheme: 'bearer', params: { realm: 'a"b', error: 'insufficient_scope' } });
  assert.equal(parseWwwAuthenticate(''), undefined);
});

test('HEAD and GET by tag and by digest, no auth; the body hash is checked', async () => {
  const f = await fakeRegistry();
  const c = new RegistryClient({ url: f.url, allowHttp: true });
  try {
    const h = await c.headManifest('team/app', 'v1');
    assert.equal(h.digest, DIGEST);
    assert.equal(h.size, MANIFEST.length);
    assert.equal(h.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const m = await c.getManifest('team/app', 'v1');
    assert.equal(m.digest, DIGEST);
    assert.deepEqual(m.body, MANIFEST);
    assert.equal((await c.getManifest('team/app', DIGEST)).digest, DIGEST);
    assert.match(f.requests[0]!.accept!, /application\/vnd\.oci\.image\.manifest\.v1\+json/);
    await assert.rejects(c.getManifest('team/app', 'nope'), (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_NO_DATA' && /MANIFEST_UNKNOWN/.test(e.message));
    await assert.rejects(c.getManifest('Team/App', 'v1'), (e: { code?: string }) => e.code === 'ERR_TRUST_USAGE');
    await assert.rejects(c.getManifest('team/app', 'sha256:abc'), (e: { code?: string }) => e.code === 'ERR_TRUST_USAGE');
  } finally {
    c.close();
    await f.close();
  }
});

test('token auth: 401 + Bearer challenge → token from the realm (Basic credentials) → retried; the token is reused', async () => {
  const f = await fakeRegistry({ auth: true });
  const c = new RegistryClient({ url: f.url, allowHttp: true, username: 'alice', password: 'pw' });
  try {
    assert.equal((await c.getManifest('team/app', 'v1')).digest, DIGEST);
    assert.equal((await c.headManifest('team/app', 'v1')).digest, DIGEST);
    assert.deepEqual(
      f.requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, '')} ${r.auth?.split(' ')[0] ?? '-'}`),
      ['GET /v2/team/app/manifests/v1 -', 'GET /token Basic', 'GET /v2/team/app/manifests/v1 Bearer', 'HEAD /v2/team/app/manifests/v1 Bearer'],
    );
    const bad = new RegistryClient({ url: f.url, allowHttp: true, username: 'alice', password: 'wrong' });
    await assert.rejects(bad.getManifest('team/app', 'v1'), (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_AUTH' && /token service/.test(e.message));
    bad.close();
  } finally {
    c.close();
    await f.close();
  }
});

test('a registry whose Docker-Content-Digest does not match the body is refused; so is a body for another digest', async () => {
  const f = await fakeRegistry({ lieDigest: true });
  const c = new RegistryClient({ url: f.url, allowHttp: true });
  try {
    await assert.rejects(c.getManifest('team/app', 'v1'), (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_MIX_AND_MATCH' && /announces sha256:0000/.test(e.message));
  } finally {
    c.close();
    await f.close();
  }
  const other = Buffer.from('{"other":true}');
  const g = await fakeRegistry({ body: other, noLength: true });
  const d = new RegistryClient({ url: g.url, allowHttp: true });
  try {
    // the fake announces DIGEST but serves another body
    await assert.rejects(d.getManifest('team/app', DIGEST), (e: { code?: string }) => e.code === 'ERR_TRUST_MIX_AND_MATCH');
  } finally {
    d.close();
    await g.close();
  }
});

test('size caps (announced and streamed), timeouts, plain http refused unless allowed', async () => {
  const big = Buffer.alloc(10_000, 0x20);
  const f = await fakeRegistry({ body: big });
  const g = await fakeRegistry({ body: big, noLength: true });
  const s = await fakeRegistry({ stall: true });
  try {
    const c = new RegistryClient({ url: f.url, allowHttp: true, maxManifestBytes: 1000 });
    await assert.rejects(c.getManifest('team/app', 'v1'), (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_TOO_LARGE' && /announces 10000/.test(e.message));
    c.close();
    const d = new RegistryClient({ url: g.url, allowHttp: true, maxManifestBytes: 1000 });
    await assert.rejects(d.getManifest('team/app', 'v1'), (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_TOO_LARGE' && /sent more than/.test(e.message));
    d.close();
    const t0 = Date.now();
    const e = new RegistryClient({ url: s.url, allowHttp: true, timeoutMs: 300 });
    await assert.rejects(e.getManifest('team/app', 'v1'), (x: { code?: string }) => x.code === 'ERR_TRUST_TIMEOUT');
    assert.ok(Date.now() - t0 < 5_000);
    e.close();
    assert.throws(() => new RegistryClient({ url: f.url }), (x: { code?: string }) => x.code === 'ERR_TRUST_USAGE');
  } finally {
    await Promise.all([f.close(), g.close(), s.close()]);
  }
});

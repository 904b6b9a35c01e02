/**
 * The fetcher and the notary-server source against local servers: size caps
 * (announced and streamed), timeouts, status mapping, HTTPS with a custom CA
 * and client certificates, the Notary API paths, and a full online update
 * served from a generated repository.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../../src/core/clock.js';
import { toPem } from '../../src/core/pem.js';
import { createFetcher } from '../../src/trust/fetcher.js';
import { NotaryServerSource } from '../../src/trust/notary/source-http.js';
import { verifyNotaryTag } from '../../src/trust/notary/verify.js';
import { buildRepo, makeCert, targetMeta } from './helpers/notary-repo.js';

const servers: Array<http.Server | https.Server> = [];
after(() => servers.forEach((s) => s.closeAllConnections?.() ?? s.close()));

async function listen(s: http.Server | https.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

describe('fetcher', () => {
  test('caps: an announced Content-Length above the cap, a streamed body above it → ERR_TRUST_TOO_LARGE', async () => {
    let streamedBytes = 0;
    const port = await listen(
      http.createServer((req, res) => {
        if (req.url === '/announced') {
          res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
          res.write(Buffer.alloc(1024));
          return; // never finishes: the client must not wait for 50 MiB
        }
        if (req.url === '/streamed') {
          res.writeHead(200);
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const pump = (): void => {
            while (streamedBytes < 50 * 1024 * 1024 && res.write(chunk)) streamedBytes += chunk.length;
            if (streamedBytes < 50 * 1024 * 1024) res.once('drain', pump);
            else res.end();
          };
          res.on('error', () => undefined);
          pump();
          return;
        }
        res.end('{"ok":true}');
      }),
    );
    const f = createFetcher({ allowHttp: true, timeoutMs: 5_000 });
    try {
      assert.equal((await f.get(`http://127.0.0.1:${port}/small`, 100, 'x')).body.toString(), '{"ok":true}');
      assert.equal(await code(f.get(`http://127.0.0.1:${port}/small`, 5, 'x')), 'ERR_TRUST_TOO_LARGE');
      assert.equal(await code(f.get(`http://127.0.0.1:${port}/announced`, 1024 * 1024, 'timestamp')), 'ERR_TRUST_TOO_LARGE');
      assert.equal(await code(f.get(`http://127.0.0.1:${port}/streamed`, 1024 * 1024, 'timestamp')), 'ERR_TRUST_TOO_LARGE');
      assert.ok(streamedBytes < 50 * 1024 * 1024, 'the download was cut early');
    } finally {
      f.close();
    }
  });

  test('a stalling server → ERR_TRUST_TIMEOUT; http:// without allowHttp → usage error', async () => {
    const port = await listen(http.createServer(() => undefined));
    const f = createFetcher({ allowHttp: true, timeoutMs: 300, connectTimeoutMs: 200 });
    try {
      const t0 = Date.now();
      assert.equal(await code(f.get(`http://127.0.0.1:${port}/`, 100, 'x')), 'ERR_TRUST_TIMEOUT');
      assert.ok(Date.now() - t0 < 3_000);
    } finally {
      f.close();
    }
    assert.equal(await code(createFetcher().get(`http://127.0.0.1:${port}/`, 100, 'x')), 'ERR_TRUST_USAGE');
  });

  test('HTTPS with a custom CA, and mutual TLS with a client certificate', async () => {
    const ca = makeCert({ cn: 'test CA', isCa: true });
    const leaf = makeCert({ cn: 'server', issuer: { cn: 'test CA', key: ca.privateKey }, ipSans: ['127.0.0.1'] });
    const client = makeCert({ cn: 'client', issuer: { cn: 'test CA', key: ca.privateKey } });
    const caPem = toPem('CERTIFICATE', ca.der);
    const keyPem = (k: typeof ca.privateKey): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;
    const port = await listen(
      https.createServer({ cert: toPem('CERTIFICATE', leaf.der), key: keyPem(leaf.privateKey), ca: caPem, requestCert: true, rejectUnauthorized: true }, (_req, res) => res.end('hi')),
    );
    const url = `https://127.0.0.1:${port}/`;
    const withClient = createFetcher({ ca: caPem, cert: toPem('CERTIFICATE', client.der), key: keyPem(client.privateKey) });
    const noClient = createFetcher({ ca: caPem });
    const noCa = createFetcher({});
    try {
      assert.equal((await withClient.get(url, 10, 'x')).body.toString(), 'hi');
      assert.equal(await code(noClient.get(url, 10, 'x')), 'ERR_TRUST_NETWORK');
      assert.equal(await code(noCa.get(url, 10, 'x')), 'ERR_TRUST_NETWORK');
    } finally {
      [withClient, noClient, noCa].forEach((f) => f.close());
    }
  });
});

describe('notary server source', () => {
  test('API paths: <role>.json, <role>.<sha256>.json, <N>.root.json, GUN verbatim', () => {
    const s = new NotaryServerSource('https://notary.example:4443/', '127.0.0.1:5000/library/demo', createFetcher());
    const base = 'https://notary.example:4443/v2/127.0.0.1:5000/library/demo/_trust/tuf/';
    assert.equal(s.urlFor({ role: 'timestamp', maxBytes: 1 }), `${base}timestamp.json`);
    assert.equal(s.urlFor({ role: 'targets/releases', sha256: 'ab'.repeat(32), maxBytes: 1 }), `${base}targets/releases.${'ab'.repeat(32)}.json`);
    assert.equal(s.urlFor({ role: 'root', version: 3, maxBytes: 1 }), `${base}3.root.json`);
    assert.throws(() => s.urlFor({ role: '../x', maxBytes: 1 }), TypeError);
  });

  test('an online update from a static server; 404 → no data; 500 with the notary error envelope → ERR_TRUST_SERVER; endless timestamp refused', async () => {
    const gun = '127.0.0.1:5000/library/demo';
    const repo = buildRepo({ gun, targets: { v1: targetMeta('m1') } });
    const byUrl = new Map<string, Buffer>();
    const base = `/v2/${gun}/_trust/tuf/`;
    for (const [name, bytes] of repo.files) {
      const role = name.replace(/\.json$/, '');
      byUrl.set(`${base}${name}`, bytes);
      byUrl.set(`${base}${role}.${createHash('sha256').update(bytes).digest('hex')}.json`, bytes);
    }
    let mode: 'ok' | 'missing' | 'error' | 'endless' = 'ok';
    const seen: string[] = [];
    const port = await listen(
      http.createServer((req, res) => {
        seen.push(req.url!);
        if (mode === 'error') {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"errors":[{"code":"UNKNOWN","message":"database down"}]}');
          return;
        }
        if (mode === 'endless' && req.url!.endsWith('timestamp.json')) {
          res.writeHead(200);
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const pump = (): void => {
            while (res.write(chunk));
            res.once('drain', pump);
          };
          res.on('error', () => undefined);
          pump();
          return;
        }
        const body = mode === 'missing' && req.url!.endsWith('timestamp.json') ? undefined : byUrl.get(decodeURIComponent(req.url!));
        if (!body) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"errors":[{"code":"METADATA_NOT_FOUND","message":"not found"}]}');
          return;
        }
        res.end(body);
      }),
    );
    const run = (): Promise<unknown> => {
      const f = createFetcher({ allowHttp: true, timeoutMs: 5_000 });
      return verifyNotaryTag({ gun, tag: 'v1', source: new NotaryServerSource(`http://127.0.0.1:${port}`, gun, f), pin: { kind: 'tofu' }, clock: fixedClock(new Date()) }).finally(() => f.close());
    };
    assert.equal(await code(run()), 'OK');
    // As the Go client: snapshot and targets by checksum.
    assert.ok(seen.some((u) => /\/snapshot\.[0-9a-f]{64}\.json$/.test(u)));
    assert.ok(seen.some((u) => /\/targets\.[0-9a-f]{64}\.json$/.test(u)));
    mode = 'missing';
    assert.equal(await code(run()), 'ERR_TRUST_NO_DATA');
    mode = 'error';
    assert.equal(await code(run()), 'ERR_TRUST_SERVER');
    mode = 'endless';
    assert.equal(await code(run()), 'ERR_TRUST_TOO_LARGE');
  });
});

/**
 * Scoped join tokens and the broker: signature/alg allowlist, expiry, scope
 * (node, address), single use under racing callers, rotation of the real token
 * once a scoped token is spent. Real HTTP on 127.0.0.1; a fake engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import { createJoinToken } from '../../src/tokens/join-token.js';
import { TokenBroker } from '../../src/tokens/scoped/broker.js';
import { checkScope, issueScopedToken, loadOrCreateIssuer, verifyScopedToken } from '../../src/tokens/scoped/token.js';
import type { SwarmEngine } from '../../src/tokens/swarm.js';
import { tempDir } from '../helpers/env.js';
import { makeRoot } from './fixtures.js';

function fakeEngine() {
  const root = makeRoot().pem;
  const s = { index: 5, worker: createJoinToken(root), manager: createJoinToken(root), updates: 0 };
  const engine: SwarmEngine = {
    get: (async (p: string) => {
      assert.equal(p, '/swarm');
      return { ID: 'cluster1', Version: { Index: s.index }, Spec: {}, JoinTokens: { Worker: s.worker, Manager: s.manager }, TLSInfo: { TrustRoot: root } };
    }) as SwarmEngine['get'],
    post: (async (p: string) => {
      const u = new URL(p, 'http://x');
      assert.equal(Number(u.searchParams.get('version')), s.index);
      s.index++;
      s.updates++;
      if (u.searchParams.get('rotateWorkerToken')) s.worker = createJoinToken(root);
      if (u.searchParams.get('rotateManagerToken')) s.manager = createJoinToken(root);
      return undefined;
    }) as SwarmEngine['post'],
  };
  return { engine, s };
}

async function setup(t: { after: (f: () => Promise<void> | void) => void }) {
  const { dir, cleanup } = tempDir('sg-scoped-');
  const store = new FileStore(dir);
  t.after(async () => {
    await store.close();
    cleanup();
  });
  const issuer = await loadOrCreateIssuer(store, new Date());
  return { store, issuer, dir };
}

test('scoped token: issue and verify; expiry, foreign key, alg none and HS256 rejected; malformed is exit 2', async (t) => {
  const { issuer, store } = await setup(t);
  const again = await loadOrCreateIssuer(store, new Date());
  assert.equal(again.kid, issuer.kid, 'the issuer key persists');
  const now = new Date('2026-11-28T12:00:00Z');
  const { token, scoped } = await issueScopedToken(issuer, { role: 'worker', uses: 2, node: 'node-7', addr: '::ffff:127.0.0.1' }, { now, ttlMs: 3_600_000 });
  assert.equal(scoped.addr, '127.0.0.1');
  const v = await verifyScopedToken(token, issuer.publicKey, new Date(now.getTime() + 60_000));
  assert.equal(v.role, 'worker');
  assert.equal(v.uses, 2);
  assert.equal(v.node, 'node-7');
  assert.equal(v.jti, scoped.jti);
  await assert.rejects(verifyScopedToken(token, issuer.publicKey, new Date(now.getTime() + 2 * 3_600_000)), { code: 'ERR_TOKEN_SCOPED_EXPIRED', exitCode: 1 });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await assert.rejects(verifyScopedToken(token, other.publicKey, now), { code: 'ERR_TOKEN_SCOPED_INVALID' });
  const unsecured = new UnsecuredJWT({ role: 'worker', uses: 1 }).setIssuer('swarmguard').setAudience('swarmguard-token-broker').setExpirationTime('1h').encode();
  await assert.rejects(verifyScopedToken(unsecured + 'x', issuer.publicKey, new Date()), (e: { code: string }) => e.code === 'ERR_TOKEN_SCOPED_INVALID' || e.code === 'ERR_TOKEN_SCOPED_MALFORMED');
  const hs = await new SignJWT({ role: 'worker', uses: 1 }).setProtectedHeader({ alg: 'HS256', typ: 'swarmguard-join+jwt' }).setIssuer('swarmguard').setAudience('swarmguard-token-broker').setIssuedAt().setNotBefore('0s').setExpirationTime('1h').setJti('0'.repeat(32)).sign(new Uint8Array(32));
  await assert.rejects(verifyScopedToken(hs, issuer.publicKey, new Date()), { code: 'ERR_TOKEN_SCOPED_INVALID' });
  await assert.rejects(verifyScopedToken('not-a-token', issuer.publicKey, now), { code: 'ERR_TOKEN_SCOPED_MALFORMED', exitCode: 2 });
  // Tampered payload (role upgraded to manager) fails the signature.
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'manager' })).toString('base64url')}.${s}`;
  await assert.rejects(verifyScopedToken(forged, issuer.publicKey, now), { code: 'ERR_TOKEN_SCOPED_INVALID' });

  assert.throws(() => checkScope(v, { node: 'node-8', addr: '127.0.0.1' }), { code: 'ERR_TOKEN_SCOPED_SCOPE' });
  assert.throws(() => checkScope(v, { node: 'node-7', addr: '10.0.0.1' }), { code: 'ERR_TOKEN_SCOPED_SCOPE' });
  assert.doesNotThrow(() => checkScope(v, { node: 'node-7', addr: '::ffff:127.0.0.1' }));
  await assert.rejects(issueScopedToken(issuer, { role: 'worker', uses: 0 }, { now }), { code: 'ERR_TOKEN_SCOPED_OPTIONS' });
  await assert.rejects(issueScopedToken(issuer, { role: 'worker', uses: 1 }, { now, ttlMs: 365 * 86_400_000 }), { code: 'ERR_TOKEN_SCOPED_OPTIONS' });
});

test('broker over HTTP: single use even when 20 callers race; the real token is rotated once spent', async (t) => {
  const { store, issuer } = await setup(t);
  const { engine, s } = fakeEngine();
  const broker = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: systemClock, rotateGraceMs: 0 });
  const addr = await broker.listen(0);
  t.after(() => broker.close());
  const url = `http://127.0.0.1:${addr.port}/v1/join-token`;
  const { token } = await issueScopedToken(issuer, { role: 'worker', uses: 1 }, { now: new Date() });
  const workerBefore = s.worker;
  const call = (bearer: string, body?: unknown) => fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${bearer}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const results = await Promise.all(Array.from({ length: 20 }, () => call(token)));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, ...Array(19).fill(410)]);
  const winner = results.find((r) => r.status === 200)!;
  const body = (await winner.json()) as { token: string; role: string; uses: number };
  assert.equal(body.token, workerBefore);
  assert.equal(body.uses, 1);
  const loser = (await results.find((r) => r.status === 410)!.json()) as { error: { code: string; message: string } };
  assert.equal(loser.error.code, 'ERR_TOKEN_SCOPED_EXHAUSTED');
  assert.ok(!loser.error.message.includes(token));
  await broker.settle();
  assert.equal(s.updates, 1, 'one rotation');
  assert.notEqual(s.worker, workerBefore, 'the handed-out token no longer works');
  assert.equal(broker.rotated[0]!.role, 'worker');
});

test('broker: use limit N hands out exactly N times; scope, bad auth and expired tokens get 4xx', async (t) => {
  const { store, issuer } = await setup(t);
  const { engine, s } = fakeEngine();
  const broker = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: systemClock, rotateGraceMs: 60_000 });
  const addr = await broker.listen(0);
  const url = `http://127.0.0.1:${addr.port}/v1/join-token`;
  const call = (bearer: string | undefined, body?: unknown) => fetch(url, { method: 'POST', headers: bearer ? { Authorization: `Bearer ${bearer}` } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
  const { token } = await issueScopedToken(issuer, { role: 'manager', uses: 3, node: 'mgr-2', addr: '127.0.0.1' }, { now: new Date() });
  const statuses = (await Promise.all(Array.from({ length: 8 }, () => call(token, { node: 'mgr-2' })))).map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 410, 410, 410, 410, 410]);
  assert.equal((await call(token, { node: 'other' })).status, 403);
  const { token: wrongAddr } = await issueScopedToken(issuer, { role: 'worker', uses: 1, addr: '10.1.2.3' }, { now: new Date() });
  assert.equal((await call(wrongAddr)).status, 403);
  assert.equal((await call(undefined)).status, 400);
  assert.equal((await call('a.b.c')).status, 401);
  const { token: old } = await issueScopedToken(issuer, { role: 'worker', uses: 1 }, { now: new Date(Date.now() - 7_200_000), ttlMs: 3_600_000 });
  assert.equal((await call(old)).status, 401);
  assert.equal((await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: 'x'.repeat(10_000) })).status, 413);
  assert.equal((await fetch(url.replace('/v1/join-token', '/'), { method: 'GET' })).status, 404);
  assert.equal(s.updates, 0, 'rotation waits for the grace period');
  await broker.close();
  assert.equal(s.updates, 1, 'closing the broker runs the pending rotation at once');
});

test('broker: a fixed clock past expiry refuses; uses are kept in the state store across broker restarts', async (t) => {
  const { store, issuer } = await setup(t);
  const { engine } = fakeEngine();
  const now = new Date();
  const { token } = await issueScopedToken(issuer, { role: 'worker', uses: 2 }, { now });
  const b1 = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: fixedClock(now), rotateGraceMs: 0 });
  assert.equal((await b1.exchange(`Bearer ${token}`, '', '127.0.0.1')).status, 200);
  const b2 = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: fixedClock(now), rotateGraceMs: 0 });
  assert.equal((await b2.exchange(`Bearer ${token}`, '', '127.0.0.1')).status, 200);
  assert.equal((await b1.exchange(`Bearer ${token}`, '', '127.0.0.1')).status, 410);
  const late = new TokenBroker({ engine, store, publicKey: issuer.publicKey, clock: fixedClock(now.getTime() + 2 * 3_600_000) });
  assert.equal((await late.exchange(`Bearer ${token}`, '', '127.0.0.1')).status, 401);
  await b1.close();
  await b2.close();
});

/**
 * Fuzzing the sign API over HTTPS: malformed bodies, mutated SwarmKit
 * requests, truncations and random bytes. Every answer must be a cfssl
 * envelope with a 2xx/4xx status, and the server must keep serving.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import fc from 'fast-check';
import { parseEnvelope } from '../../../src/ca/cfssl/envelope.js';
import { serveCfssl, type RunningCfssl } from '../../../src/ca/cfssl/serve.js';
import { systemClock } from '../../../src/core/clock.js';
import { makeCsr } from '../../helpers/csr.js';
import { makeCa, swarmkitRequest, type TestCa } from './fixtures.js';

let t0: TestCa;
let running: RunningCfssl;
let agent: Agent;
const validCsr = makeCsr().pem;

before(async () => {
  t0 = await makeCa();
  running = await serveCfssl(t0.ca, { host: '127.0.0.1', port: 0, clock: systemClock, allowCrossSign: false });
  agent = new Agent({ keepAlive: true, maxSockets: 4, ca: t0.rootPem });
});
after(async () => {
  agent?.destroy();
  await running?.stop();
  await t0?.cleanup();
});

function postRaw(body: Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/cfssl/sign', running.server.url), { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const base = swarmkitRequest(validCsr);
const keys = [...Object.keys(base), 'hostname', 'extensions', 'serial', 'bundle', '__proto__', 'constructor'];

const bodies = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
  // a valid request with some fields replaced by arbitrary JSON values
  fc
    .dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })
    .map((over) => Buffer.from(JSON.stringify({ ...base, ...over }))),
  // subject and names mutated
  fc
    .record({ CN: fc.oneof(fc.string(), fc.jsonValue()), names: fc.oneof(fc.array(fc.dictionary(fc.constantFrom('O', 'OU', 'C', 'ST', 'L', 'SerialNumber', 'X'), fc.oneof(fc.string(), fc.jsonValue()))), fc.jsonValue()) }, { requiredKeys: [] })
    .map((subject) => Buffer.from(JSON.stringify({ ...base, subject }))),
  // the valid request cut short, or with a byte flipped inside the CSR
  fc.nat({ max: 2_000 }).map((n) => Buffer.from(JSON.stringify(base)).subarray(0, n)),
  fc.tuple(fc.nat({ max: 400 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const b = Buffer.from(validCsr);
    const at = 40 + (i % Math.max(1, b.length - 80));
    b[at] = b[at]! ^ x;
    return Buffer.from(JSON.stringify({ ...base, certificate_request: b.toString('latin1') }));
  }),
);

test('malformed and mutated bodies always get a cfssl envelope; the server stays up', async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      const r = await postRaw(body);
      const env = parseEnvelope(r.text);
      assert.ok(env, `status ${r.status}, not an envelope: ${r.text.slice(0, 200)}`);
      assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `status ${r.status}: ${r.text.slice(0, 200)}`);
      assert.equal(env.success, r.status === 200);
      if (!env.success) seen.set(env.errors[0]!.code, (seen.get(env.errors[0]!.code) ?? 0) + 1);
    }),
    { numRuns: 400 },
  );
  // the refusals spread over the cfssl codes (JSON, missing CSR, CSR decode/parse/signature, policy)
  assert.ok(seen.has(400) && seen.has(5300), JSON.stringify([...seen]));
  const ok = await postRaw(Buffer.from(JSON.stringify(swarmkitRequest(makeCsr().pem))));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(running.server.stats().requests >= 401, true);
});

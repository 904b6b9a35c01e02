/**
 * normalizeFacts is the one place raw API answers are made safe; it must
 * take any JSON (a hand-edited snapshot file) without crashing, stay
 * idempotent, and never keep a join-token-shaped string. The whole shipped
 * policy must then evaluate to findings, never throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluatePolicy } from '../../src/audit/evaluate.js';
import { loadPolicy } from '../../src/audit/policy.js';
import { emptyFacts, normalizeFacts, SNAPSHOT_FORMAT, type Facts } from '../../src/audit/snapshot.js';

const TOKEN = `SWMTKN-1-${'7'.repeat(50)}-${'q'.repeat(25)}`;
const str = fc.oneof(fc.string(), fc.constant(TOKEN), fc.constant(`X=${TOKEN}`), fc.constant('A_PASSWORD=x'));
const spec = fc.record(
  {
    Name: str,
    Labels: fc.oneof(fc.dictionary(fc.string(), str), fc.jsonValue()),
    TaskTemplate: fc.oneof(
      fc.record({ ContainerSpec: fc.oneof(fc.record({ Env: fc.oneof(fc.array(str), fc.jsonValue()), Labels: fc.dictionary(fc.string(), str), Image: str }, { requiredKeys: [] }), fc.jsonValue()) }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);
const service = fc.oneof(fc.record({ ID: fc.string(), Spec: fc.oneof(spec, fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue());
const config = fc.oneof(fc.record({ ID: fc.string(), Spec: fc.oneof(fc.record({ Name: fc.string(), Data: fc.oneof(fc.base64String(), fc.constant(Buffer.from(TOKEN).toString('base64'))) }), fc.jsonValue()) }), fc.jsonValue());

test('normalizeFacts: any JSON in, no crash, idempotent, no join token kept; the shipped policy evaluates', async () => {
  const policy = await loadPolicy();
  fc.assert(
    fc.property(fc.oneof(fc.array(service), fc.jsonValue()), fc.oneof(fc.array(config), fc.jsonValue()), fc.oneof(fc.record({ ID: fc.string(), JoinTokens: fc.record({ Worker: str }), UnlockKey: str }, { requiredKeys: [] }), fc.jsonValue()), (services, configs, swarm) => {
      const facts = emptyFacts('fuzz');
      Object.assign(facts, { services: { data: services }, configs: { data: configs }, swarm: { data: swarm }, tasks: { data: services } });
      const before = JSON.stringify(facts);
      const n = normalizeFacts(facts as Facts);
      // copy-on-write: the input is never edited, a token is redacted only in the copy
      assert.equal(JSON.stringify(facts), before);
      assert.deepEqual(normalizeFacts(n), n);
      assert.ok(!JSON.stringify(n).includes(TOKEN.slice(-25)));
      const r = evaluatePolicy({ format: SNAPSHOT_FORMAT, source: 'fuzz', facts: n }, policy, new Date('2026-06-01T00:00:00Z'));
      assert.ok(r.findings.length > 0);
    }),
    { numRuns: 300 },
  );
});

test('normalizeFacts: a token deep in one service is redacted in a copy; keys and their order kept, the input untouched', () => {
  const facts = emptyFacts('test');
  const clean = { ID: 'a', Spec: { Name: 'a', TaskTemplate: { ContainerSpec: { Env: ['A=1'] } } } };
  const dirty = JSON.parse(`{"ID":"b","__proto__":{"x":1},"Spec":{"Name":"b","TaskTemplate":{"ContainerSpec":{"Env":["J=${TOKEN}","B=2"]}}},"Z":true}`) as Record<string, unknown>;
  Object.assign(facts, { services: { data: [clean, dirty] } });
  const n = normalizeFacts(facts);
  const [a, b] = (n.services as { data: Array<Record<string, unknown>> }).data;
  assert.deepEqual(a, clean);
  assert.notEqual(b, dirty);
  assert.deepEqual(Object.keys(b!), ['ID', '__proto__', 'Spec', 'Z', 'JoinTokenHints']);
  assert.ok(Object.prototype.hasOwnProperty.call(b, '__proto__'));
  const env = ((b!.Spec as { TaskTemplate: { ContainerSpec: { Env: string[] } } }).TaskTemplate.ContainerSpec.Env);
  assert.ok(!env[0]!.includes(TOKEN) && env[0]!.startsWith('J='), env[0]);
  assert.equal(env[1], 'B=2');
  assert.ok(JSON.stringify(dirty).includes(TOKEN), 'the input keeps its value');
});

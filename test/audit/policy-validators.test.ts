/**
 * The build writes the policy validators as code; an audit uses them only while they match
 * the schemas, and they must judge every document exactly as ajv's compile does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { builtinPolicyDir, compileValidators, GENERATED_FILE, generatedModule, loadGenerated, policyValidators, readPolicySchema, type Validator } from '../../src/audit/policy-validators.js';
import { fixtures } from './helpers.js';

const verdict = (v: Validator, doc: unknown): unknown => (v(doc) ? true : v.errors);

test('policyValidators: the build\'s generated module is used, and judges like a fresh compile', async () => {
  const schema = readPolicySchema();
  const gen = await policyValidators();
  assert.equal(gen.origin, 'generated', `run npm run build: ${GENERATED_FILE} is missing or stale`);
  const cmp = await compileValidators(schema);
  assert.equal(cmp.origin, 'compiled');
  assert.deepEqual([...gen.kinds.keys()].sort(), [...cmp.kinds.keys()].sort());
  const docs: unknown[] = [
    ...readdirSync(builtinPolicyDir()).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).map((f) => JSON.parse(readFileSync(path.join(builtinPolicyDir(), f), 'utf8'))),
    JSON.parse(readFileSync(path.join(fixtures, 'invalid_policy_fields.json'), 'utf8')),
    JSON.parse(readFileSync(path.join(fixtures, 'valid_policy_waivers.json'), 'utf8')),
  ];
  for (const d of docs) assert.deepEqual(verdict(gen.policy, d), verdict(cmp.policy, d));
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...cmp.kinds.keys()), (doc, kind) => {
      assert.deepEqual(verdict(gen.policy, doc), verdict(cmp.policy, doc));
      assert.deepEqual(verdict(gen.kinds.get(kind)!, doc), verdict(cmp.kinds.get(kind)!, doc));
    }),
    { numRuns: 400 },
  );
  // the built-in rules' own params, through every kind
  for (const f of readdirSync(builtinPolicyDir()).filter((x) => x.endsWith('.json') && !x.endsWith('.schema.json'))) {
    const d = JSON.parse(readFileSync(path.join(builtinPolicyDir(), f), 'utf8')) as { rules?: Array<{ check: { kind: string; params?: unknown } }> };
    for (const r of d.rules ?? []) assert.equal(gen.kinds.get(r.check.kind)!(r.check.params ?? {}), true, `${f} ${r.check.kind}`);
  }
});

test('loadGenerated: a missing, stale or malformed module is not used', async () => {
  const schema = readPolicySchema();
  // inside the package, where the generated code's require('ajv/dist/runtime/...') resolves
  const dir = mkdtempSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'tmp-validators-'));
  try {
    assert.equal(loadGenerated(schema, path.join(dir, 'absent.cjs')), undefined);
    const good = await generatedModule(schema);
    writeFileSync(path.join(dir, 'good.cjs'), good);
    assert.equal(loadGenerated(schema, path.join(dir, 'good.cjs'))?.origin, 'generated');
    // a schema changed after the build: the fingerprint no longer matches
    assert.equal(loadGenerated({ ...schema, title: 'changed' }, path.join(dir, 'good.cjs')), undefined);
    writeFileSync(path.join(dir, 'stale.cjs'), good.replace(/exports\.fingerprint = "[0-9a-f]+"/, 'exports.fingerprint = "00"'));
    assert.equal(loadGenerated(schema, path.join(dir, 'stale.cjs')), undefined);
    writeFileSync(path.join(dir, 'broken.cjs'), 'this is not javascript (');
    assert.equal(loadGenerated(schema, path.join(dir, 'broken.cjs')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

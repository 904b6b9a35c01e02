/**
 * At run time the policy validators skip the draft-07 meta-schema (start-up cost), so the
 * schemas themselves are checked here: each rule kind's params schema and the policy schema
 * must be valid draft-07.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { builtinPolicyDir } from '../../src/audit/policy.js';
import { RULE_KINDS } from '../../src/audit/rules/index.js';

test('every params schema and the policy schema are valid draft-07 schemas', () => {
  const ajv = new (Ajv as unknown as new (o: object) => { validateSchema(s: object): boolean; errors?: unknown })({ allErrors: true, strict: false });
  const policySchema = JSON.parse(readFileSync(path.join(builtinPolicyDir(), 'policy.schema.json'), 'utf8')) as object;
  assert.ok(ajv.validateSchema(policySchema), JSON.stringify(ajv.errors));
  assert.ok(RULE_KINDS.size >= 39, String(RULE_KINDS.size));
  for (const [kind, k] of RULE_KINDS) assert.ok(ajv.validateSchema(k.paramsSchema as object), `${kind}: ${JSON.stringify(ajv.errors)}`);
  // and the check is not vacuous
  assert.equal(ajv.validateSchema({ type: 'strnig' }), false);
});

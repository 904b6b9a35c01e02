/**
 * evaluatePolicy completes helper-made outcomes in place (no copy per finding): the result must
 * not depend on that. Same findings on every evaluation of one snapshot, Finding keys in one
 * order, waivers and severity overrides applied to in-place and copied findings alike.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { evaluatePolicy } from '../../src/audit/evaluate.js';
import { loadSnapshot } from '../../src/audit/load.js';
import { applyOverrides, loadPolicy } from '../../src/audit/policy.js';
import { fixtures, NOW } from './helpers.js';

test('evaluatePolicy: repeatable, one key order, waivers and overrides on service findings', async () => {
  const policy = applyOverrides(await loadPolicy([path.join(fixtures, 'valid_policy_waivers.json')]), { severity: [['cis-5.11', 'critical']] });
  const snap = await loadSnapshot(path.join(fixtures, 'valid_raw_api'));
  const a = evaluatePolicy(snap, policy, NOW);
  const b = evaluatePolicy(snap, policy, NOW);
  assert.deepEqual(b, a);
  assert.equal(JSON.stringify(b), JSON.stringify(a));
  for (const f of a.findings) {
    assert.deepEqual(Object.keys(f).slice(0, 5), ['rule', 'status', 'severity', 'target', 'message'], JSON.stringify(f));
    assert.ok(f.rule !== '' && typeof f.severity === 'string', JSON.stringify(f));
  }
  // sw-22 (service-ports, helper-made) waived for service "web"; cis-5.28 (service-image-digest) waiver expired
  const web = a.findings.find((f) => f.rule === 'sw-22' && f.target.name === 'web');
  assert.equal(web?.status, 'waived');
  const expired = a.findings.filter((f) => f.rule === 'cis-5.28' && f.waiver?.expired);
  assert.ok(expired.length > 0);
  for (const f of expired) assert.equal(f.message.split('(waiver expired').length, 2, f.message);
  const mem = a.findings.filter((f) => f.rule === 'cis-5.11');
  assert.ok(mem.length > 0 && mem.every((f) => f.severity === 'critical'));
  // the findings of one evaluation are distinct objects
  assert.equal(new Set(a.findings).size, a.findings.length);
  assert.ok(a.findings.every((f, i) => f !== b.findings[i]));
});

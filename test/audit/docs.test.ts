import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderAuditDoc } from '../../src/audit/docs.js';
import { repoRoot } from '../helpers/env.js';

test('docs/audit.md matches the shipped policies (regenerate with node dist/src/audit/docs.js)', async () => {
  assert.equal(readFileSync(path.join(repoRoot, 'docs', 'audit.md'), 'utf8'), await renderAuditDoc());
});

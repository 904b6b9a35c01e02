/**
 * docs/trust.md documents every refusal code (the attack table) and every
 * runtime code a user can meet, each with its exit status.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TRUST_REFUSAL_CODES } from '../../src/trust/errors.js';
import { repoRoot } from '../helpers/env.js';

test('every trust error code has a row in docs/trust.md with its exit status', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'trust.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    const m = /^\| `(ERR_TRUST_[A-Z_]+)` \| (\d) \|/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  for (const code of TRUST_REFUSAL_CODES) assert.equal(rows.get(code), '1', `${code}: no row with exit 1`);
  for (const code of ['ERR_TRUST_SERVER', 'ERR_TRUST_TIMEOUT', 'ERR_TRUST_NETWORK', 'ERR_TRUST_CACHE', 'ERR_TRUST_AUTH']) assert.equal(rows.get(code), '3', `${code}: no row with exit 3`);
});

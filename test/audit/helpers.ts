import * as path from 'node:path';
import { repoRoot } from '../helpers/env.js';
import { emptyFacts, normalizeFacts, SNAPSHOT_FORMAT, type Facts, type Snapshot } from '../../src/audit/snapshot.js';

export const fixtures = path.join(repoRoot, 'test', 'audit', 'fixtures');

/** A snapshot where only the given endpoints have data. */
export function snap(data: Partial<Record<keyof Facts, unknown>>): Snapshot {
  const facts = emptyFacts('not in this test');
  for (const [k, v] of Object.entries(data)) (facts as unknown as Record<string, unknown>)[k] = { data: v };
  return { format: SNAPSHOT_FORMAT, source: 'test', facts: normalizeFacts(facts) };
}

export const NOW = new Date('2026-06-01T00:00:00Z');

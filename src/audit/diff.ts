/** Compare two JSON reports: failures fixed, and new failures. Keyed by rule and target id. */
import { InputError } from '../errors.js';
import type { Finding } from './types.js';

export interface AuditDiff {
  fixed: Finding[];
  new: Finding[];
  stillFailing: number;
}

const key = (f: Finding): string => `${f.rule}\u0000${f.target.kind}\u0000${f.target.id}`;

export function parseFindings(doc: unknown, file: string): Finding[] {
  const f = (doc as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(f)) throw new InputError('ERR_AUDIT_FINDINGS_JSON', `${file} has no "findings" array; give a report from swarmguard audit --format json`);
  return f as Finding[];
}

export function diffFindings(oldF: Finding[], newF: Finding[]): AuditDiff {
  const failing = (fs: Finding[]): Map<string, Finding> => new Map(fs.filter((f) => f.status === 'fail').map((f) => [key(f), f]));
  const a = failing(oldF);
  const b = failing(newF);
  return {
    fixed: [...a].filter(([k]) => !b.has(k)).map(([, f]) => f),
    new: [...b].filter(([k]) => !a.has(k)).map(([, f]) => f),
    stillFailing: [...b.keys()].filter((k) => a.has(k)).length,
  };
}

import type { Finding } from '../types.js';
import type { ReportInput } from './index.js';

const COLORS: Record<Finding['status'], string> = { fail: '\x1b[31m', unknown: '\x1b[33m', waived: '\x1b[36m', pass: '\x1b[32m' };
const ORDER: Finding['status'][] = ['fail', 'unknown', 'waived', 'pass'];

function targetName(f: Finding): string {
  return f.target.kind === 'cluster' || f.target.kind === 'engine' ? f.target.kind : `${f.target.kind} ${f.target.name ?? f.target.id}`;
}

/** Human text grouped by status, worst first; colour only when asked (a TTY). A line per piece. */
export function* textChunks({ result, rules, color }: ReportInput): Generator<string> {
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const paint = (s: Finding['status'], text: string): string => (color ? `${COLORS[s]}${text}\x1b[0m` : text);
  yield `audit of ${result.source} at ${result.evaluatedAt}\n`;
  for (const status of ORDER) {
    const group = result.findings.filter((f) => f.status === status);
    if (group.length === 0) continue;
    yield `\n${paint(status, `${status.toUpperCase()} (${group.length})`)}\n`;
    for (const f of group) {
      yield `  [${f.severity}] ${f.rule} ${titles.get(f.rule) ?? ''} — ${targetName(f)}: ${f.message}${f.waiver && !f.waiver.expired ? ` (waived until ${f.waiver.expires}: ${f.waiver.reason})` : ''}\n`;
    }
  }
  const s = result.summary;
  const bySev = Object.entries(s.failBySeverity).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  yield `\n${s.total} findings: ${s.fail} fail${bySev ? ` (${bySev})` : ''}, ${s.unknown} unknown, ${s.waived} waived, ${s.pass} pass\n`;
}

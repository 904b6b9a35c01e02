import type { Finding } from '../types.js';
import type { ReportInput } from './index.js';

const COLORS: Record<Finding['status'], string> = { fail: '\x1b[31m', unknown: '\x1b[33m', waived: '\x1b[36m', pass: '\x1b[32m' };
const ORDER: Finding['status'][] = ['fail', 'unknown', 'waived', 'pass'];

function targetName(f: Finding): string {
  return f.target.kind === 'cluster' || f.target.kind === 'engine' ? f.target.kind : `${f.target.kind} ${f.target.name ?? f.target.id}`;
}

/** Human text grouped by status, worst first; colour only when asked (a TTY). */
export function renderText({ result, rules, color }: ReportInput): string {
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const paint = (s: Finding['status'], text: string): string => (color ? `${COLORS[s]}${text}\x1b[0m` : text);
  const lines: string[] = [`audit of ${result.source} at ${result.evaluatedAt}`];
  for (const status of ORDER) {
    const group = result.findings.filter((f) => f.status === status);
    if (group.length === 0) continue;
    lines.push('', paint(status, `${status.toUpperCase()} (${group.length})`));
    for (const f of group) {
      lines.push(`  [${f.severity}] ${f.rule} ${titles.get(f.rule) ?? ''} — ${targetName(f)}: ${f.message}${f.waiver && !f.waiver.expired ? ` (waived until ${f.waiver.expires}: ${f.waiver.reason})` : ''}`);
    }
  }
  const s = result.summary;
  const bySev = Object.entries(s.failBySeverity).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  lines.push('', `${s.total} findings: ${s.fail} fail${bySev ? ` (${bySev})` : ''}, ${s.unknown} unknown, ${s.waived} waived, ${s.pass} pass`);
  return lines.join('\n') + '\n';
}

import type { ReportInput } from './index.js';

const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** JUnit XML: one testsuite per rule, one testcase per finding; fail → <failure>, unknown/waived → <skipped>. */
export function renderJunit({ result, rules }: ReportInput): string {
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const byRule = new Map<string, typeof result.findings>();
  for (const f of result.findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const s = result.summary;
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="swarmguard audit" tests="${s.total}" failures="${s.fail}" skipped="${s.unknown + s.waived}">`];
  for (const [rule, fs] of byRule) {
    const fail = fs.filter((f) => f.status === 'fail').length;
    const skip = fs.filter((f) => f.status === 'unknown' || f.status === 'waived').length;
    out.push(`  <testsuite name="${esc(rule)}" tests="${fs.length}" failures="${fail}" skipped="${skip}">`);
    for (const f of fs) {
      const name = esc(`${rule} ${titles.get(rule) ?? ''} [${f.target.kind} ${f.target.name ?? f.target.id}]`);
      out.push(`    <testcase classname="${esc(rule)}" name="${name}">`);
      if (f.status === 'fail') out.push(`      <failure type="${f.severity}" message="${esc(f.message)}"/>`);
      else if (f.status !== 'pass') out.push(`      <skipped message="${esc(`${f.status}: ${f.message}`)}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

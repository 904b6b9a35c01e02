import type { ReportInput } from './index.js';

const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** JUnit XML: one testsuite per rule, one testcase per finding; fail → <failure>, unknown/waived → <skipped>. A line per piece. */
export function* junitChunks({ result, rules }: ReportInput): Generator<string> {
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const byRule = new Map<string, typeof result.findings>();
  for (const f of result.findings) {
    const fs = byRule.get(f.rule);
    if (fs) fs.push(f);
    else byRule.set(f.rule, [f]);
  }
  const s = result.summary;
  yield `<?xml version="1.0" encoding="UTF-8"?>\n`;
  yield `<testsuites name="swarmguard audit" tests="${s.total}" failures="${s.fail}" skipped="${s.unknown + s.waived}">\n`;
  for (const [rule, fs] of byRule) {
    let fail = 0;
    let skip = 0;
    for (const f of fs) {
      if (f.status === 'fail') fail++;
      else if (f.status === 'unknown' || f.status === 'waived') skip++;
    }
    const title = titles.get(rule) ?? '';
    yield `  <testsuite name="${esc(rule)}" tests="${fs.length}" failures="${fail}" skipped="${skip}">\n`;
    for (const f of fs) {
      const name = esc(`${rule} ${title} [${f.target.kind} ${f.target.name ?? f.target.id}]`);
      let line = `    <testcase classname="${esc(rule)}" name="${name}">\n`;
      if (f.status === 'fail') line += `      <failure type="${f.severity}" message="${esc(f.message)}"/>\n`;
      else if (f.status !== 'pass') line += `      <skipped message="${esc(`${f.status}: ${f.message}`)}"/>\n`;
      yield line + '    </testcase>\n';
    }
    yield '  </testsuite>\n';
  }
  yield '</testsuites>\n';
}

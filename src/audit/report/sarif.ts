import type { Severity } from '../severity.js';
import type { Finding } from '../types.js';
import { LazyItems, prettyJsonChunks } from './chunks.js';
import type { ReportInput } from './index.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning reads `security-severity` (0.0–10.0) from rule properties. */
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

function where(f: Finding): string {
  return `${f.target.kind}/${f.target.name ?? f.target.id}`;
}

/** SARIF 2.1.0: failing and unknown findings become results (unknown as `note`, kind `review`); waived ones carry a suppression. */
export function* sarifChunks({ result, rules }: ReportInput): Generator<string> {
  const used = new Set(result.findings.map((f) => f.rule));
  const driverRules = rules
    .filter((r) => used.has(r.id))
    .map((r) => ({
      id: r.id,
      name: r.title,
      shortDescription: { text: r.title },
      fullDescription: { text: r.rationale },
      help: { text: r.remediation },
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: { tags: ['security', ...r.references], 'security-severity': SCORE[r.severity] },
    }));
  const index = new Map(driverRules.map((r, i) => [r.id, i]));
  // one SARIF result per non-passing finding, each built as it is written
  const shown = result.findings.filter((f) => f.status !== 'pass');
  const results = new LazyItems(shown.length, (i) => {
    const f = shown[i]!;
    return {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: f.status === 'unknown' ? 'note' : LEVEL[f.severity],
      kind: f.status === 'unknown' ? 'review' : 'fail',
      message: { text: `${where(f)}: ${f.message}` },
      locations: [{ logicalLocations: [{ name: f.target.name ?? f.target.id, fullyQualifiedName: where(f), kind: f.target.kind }] }],
      partialFingerprints: { 'swarmguard/v1': `${f.rule}:${f.target.kind}:${f.target.id}` },
      ...(f.status === 'waived' ? { suppressions: [{ kind: 'external', justification: f.waiver?.reason ?? '' }] } : {}),
      properties: { status: f.status, severity: f.severity },
    };
  });
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'swarmguard', informationUri: 'https://github.com/swarmguard/swarmguard', rules: driverRules } },
        invocations: [{ executionSuccessful: true, endTimeUtc: result.evaluatedAt }],
        results,
      },
    ],
  };
  yield* prettyJsonChunks(doc);
  yield '\n';
}

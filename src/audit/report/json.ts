import type { ReportInput } from './index.js';

/** `{ findings, summary }`, plus where and when. */
export function renderJson({ result }: ReportInput): string {
  return JSON.stringify({ source: result.source, evaluatedAt: result.evaluatedAt, findings: result.findings, summary: result.summary }, null, 2) + '\n';
}

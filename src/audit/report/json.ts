import { prettyJsonChunks } from './chunks.js';
import type { ReportInput } from './index.js';

/** `{ findings, summary }`, plus where and when: pretty JSON, in pieces. */
export function* jsonChunks({ result }: ReportInput): Generator<string> {
  yield* prettyJsonChunks({ source: result.source, evaluatedAt: result.evaluatedAt, findings: result.findings, summary: result.summary });
  yield '\n';
}

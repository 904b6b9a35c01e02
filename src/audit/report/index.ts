/** Reporters: one per format, registered in a table. Each yields one document, in pieces, from an audit result. */
import { InputError } from '../../errors.js';
import type { AuditResult } from '../evaluate.js';
import type { Rule } from '../policy.js';
import { jsonChunks } from './json.js';
import { junitChunks } from './junit.js';
import { sarifChunks } from './sarif.js';
import { textChunks } from './text.js';

export { writeChunks } from './chunks.js';

export interface ReportInput {
  result: AuditResult;
  rules: Rule[];
  color: boolean;
}

export const REPORTERS: ReadonlyMap<string, (r: ReportInput) => Iterable<string>> = new Map([
  ['text', textChunks],
  ['json', jsonChunks],
  ['sarif', sarifChunks],
  ['junit', junitChunks],
]);

/** The pieces of one report; write them with `writeChunks` (a large swarm's report is too big for one string). */
export function reportChunks(format: string, input: ReportInput): Iterable<string> {
  const r = REPORTERS.get(format);
  if (!r) throw new InputError('ERR_AUDIT_REPORT_FORMAT', `unknown report format ${JSON.stringify(format)}; use ${[...REPORTERS.keys()].join(', ')}`);
  return r(input);
}

/** One report as a string (small results: tests, `npm start`). */
export function renderReport(format: string, input: ReportInput): string {
  let out = '';
  for (const c of reportChunks(format, input)) out += c;
  return out;
}

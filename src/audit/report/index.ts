/** Reporters: one per format, registered in a table. Each renders one document from an audit result. */
import { InputError } from '../../errors.js';
import type { AuditResult } from '../evaluate.js';
import type { Rule } from '../policy.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export interface ReportInput {
  result: AuditResult;
  rules: Rule[];
  color: boolean;
}

export const REPORTERS: ReadonlyMap<string, (r: ReportInput) => string> = new Map([
  ['text', renderText],
  ['json', renderJson],
  ['sarif', renderSarif],
  ['junit', renderJunit],
]);

export function renderReport(format: string, input: ReportInput): string {
  const r = REPORTERS.get(format);
  if (!r) throw new InputError('ERR_AUDIT_REPORT_FORMAT', `unknown report format ${JSON.stringify(format)}; use ${[...REPORTERS.keys()].join(', ')}`);
  return r(input);
}

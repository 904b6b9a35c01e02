/** Findings and rule kinds: the shapes shared by policies, rules and reporters. */
import type { Severity } from './severity.js';
import type { Facts } from './snapshot.js';

export type { Severity } from './severity.js';
export type Status = 'pass' | 'fail' | 'unknown' | 'waived';

export interface Target {
  kind: 'cluster' | 'engine' | 'node' | 'service' | 'network' | 'secret' | 'config' | 'file' | 'socket';
  id: string;
  name?: string;
}

/**
 * What a rule kind returns for one target; the policy adds the rule id and severity. Outcomes
 * made with the helpers of rules/util.ts (`pass`, `fail`, `unknown`, `outcome`) are already
 * Finding-shaped, `rule` '' and `severity` possibly undefined, and evaluatePolicy completes
 * them in place.
 */
export interface Outcome {
  /** '' on a helper-made outcome until evaluatePolicy sets it; absent on a literal. */
  rule?: string;
  status: 'pass' | 'fail' | 'unknown';
  target: Target;
  message: string;
  /** A finer severity than the rule's (e.g. SW-22: sensitive port high, other port info). */
  severity?: Severity;
}

export interface Finding {
  rule: string;
  status: Status;
  severity: Severity;
  target: Target;
  message: string;
  /** Why a waived finding is waived, or that a waiver has expired. */
  waiver?: { reason: string; expires?: string; expired?: boolean };
}

export interface RuleKind<P = Record<string, unknown>> {
  kind: string;
  /** One sentence for the docs. */
  describe: string;
  /** JSON Schema of `check.params`. */
  paramsSchema: object;
  /** Pure: facts in, outcomes out. `now` is read once by the caller. */
  evaluate(facts: Facts, params: P, now: Date): Outcome[];
}

export const CLUSTER: Target = { kind: 'cluster', id: 'cluster' };
export const ENGINE: Target = { kind: 'engine', id: 'engine' };

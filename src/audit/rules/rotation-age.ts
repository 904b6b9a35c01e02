/**
 * Ages from swarmguard's rotation history (SW-10, SW-12). A value first seen
 * after another one was seen has an age known to within one audit interval;
 * the first value ever seen has only a lower bound (it may be years old), so
 * under the limit it is unknown, never a pass.
 */
import type { Facts, HistorySeries, RotationHistory } from '../snapshot.js';
import type { Outcome, Severity, Target } from '../types.js';
import { daysBetween, unknown } from './util.js';

export function historyOf(facts: Facts): { data: RotationHistory } | { why: string } {
  const h = facts.history;
  if (!h) return { why: 'no rotation history: the Engine API has no rotation times; audit the engine itself (swarmguard records fingerprints in its state), or give a snapshot with history.json' };
  if (!('data' in h)) return { why: `no rotation history: ${h.unavailable}` };
  return { data: h.data };
}

export function ageOutcome(opts: { history: RotationHistory; series: HistorySeries; sha256: string; what: string; maxDays: number; severity?: Severity; target: Target; now: Date; rotate: string }): Outcome {
  const { history, series, sha256, what, maxDays, severity, target, now, rotate } = opts;
  const list = history.series[series];
  let idx = -1;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.sha256 === sha256) {
    idx = i;
    break;
  }
  if (idx < 0) return unknown(target, `the current ${what} is not in the rotation history of cluster ${history.cluster} (the history predates this snapshot); audit the engine to record it`);
  const e = list[idx]!;
  const age = Math.floor(daysBetween(e.firstSeen, now));
  if (idx === 0) {
    if (age > maxDays) return { status: 'fail', ...(severity ? { severity } : {}), target, message: `the ${what} is at least ${age} days old (unchanged since swarmguard began tracking on ${e.firstSeen}; policy ${maxDays}); ${rotate}` };
    return unknown(target, `the ${what} has not changed since swarmguard began tracking it ${age} days ago (${e.firstSeen}); its age before that is unknown: ${rotate} once to start a known age`);
  }
  if (age > maxDays) return { status: 'fail', ...(severity ? { severity } : {}), target, message: `the ${what} was last rotated ${age} days ago (first seen ${e.firstSeen}; policy ${maxDays}); ${rotate}` };
  return { status: 'pass', target, message: `the ${what} was rotated ${age} days ago (first seen ${e.firstSeen}; policy ${maxDays})` };
}

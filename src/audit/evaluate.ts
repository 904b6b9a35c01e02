/**
 * Evaluate a policy over a snapshot: pure and synchronous. A rule kind that
 * throws yields `unknown` for that rule (never pass), so one bad fact cannot
 * hide the others.
 */
import { SEVERITY_RANK, type Severity } from './severity.js';
import type { Policy, Waiver } from './policy.js';
import { RULE_KINDS } from './rules/index.js';
import type { Snapshot } from './snapshot.js';
import type { Finding, Status } from './types.js';

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  unknown: number;
  waived: number;
  /** Failing findings per severity. */
  failBySeverity: Record<Severity, number>;
}

export interface AuditResult {
  source: string;
  evaluatedAt: string;
  findings: Finding[];
  summary: Summary;
}

/** The waivers (all of one rule) that cover this target: untargeted ones, or named by id or name. */
function waiverFor(ruleWaivers: Waiver[], target: { id: string; name?: string }): Waiver[] {
  return ruleWaivers.filter((w) => w.target === undefined || w.target === target.id || w.target === target.name);
}

function expiresAt(w: Waiver): number {
  // a bare date waives through the end of that day (UTC)
  return /^\d{4}-\d{2}-\d{2}$/.test(w.expires) ? Date.parse(`${w.expires}T23:59:59.999Z`) : Date.parse(w.expires);
}

export function summarize(findings: Finding[]): Summary {
  const s: Summary = { total: findings.length, pass: 0, fail: 0, unknown: 0, waived: 0, failBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } };
  for (const f of findings) {
    switch (f.status) {
      case 'pass':
        s.pass++;
        break;
      case 'fail':
        s.fail++;
        s.failBySeverity[f.severity]++;
        break;
      case 'unknown':
        s.unknown++;
        break;
      case 'waived':
        s.waived++;
        break;
    }
  }
  return s;
}

export function evaluatePolicy(snapshot: Snapshot, policy: Policy, now: Date): AuditResult {
  const findings: Finding[] = [];
  // waivers by rule, so the rules without one (nearly all) skip the lookup per failing finding
  const waiversByRule = new Map<string, Waiver[]>();
  for (const w of policy.waivers) {
    const ws = waiversByRule.get(w.rule);
    if (ws) ws.push(w);
    else waiversByRule.set(w.rule, [w]);
  }
  for (const rule of policy.rules) {
    if (policy.disable.has(rule.id)) continue;
    const kind = RULE_KINDS.get(rule.check.kind)!;
    let outcomes;
    try {
      outcomes = kind.evaluate(snapshot.facts, rule.check.params, now);
    } catch (e) {
      outcomes = [{ status: 'unknown' as const, target: { kind: 'cluster' as const, id: 'cluster' }, message: `could not evaluate: ${(e as Error).message}` }];
    }
    const override = policy.severity.get(rule.id);
    const ruleWaivers = waiversByRule.get(rule.id);
    for (const o of outcomes) {
      // an operator's override wins over both the rule's and the outcome's own severity
      const severity = override ?? o.severity ?? rule.severity;
      let f: Finding;
      if (o.rule === '') {
        // built Finding-shaped by the rule helpers (util.ts `outcome`): fill in place, no copy
        f = o as unknown as Finding;
        f.rule = rule.id;
        f.severity = severity;
      } else f = { rule: rule.id, status: o.status as Status, severity, target: o.target, message: o.message };
      if (o.status === 'fail' && ruleWaivers) {
        const ws = waiverFor(ruleWaivers, o.target);
        const live = ws.find((w) => expiresAt(w) > now.getTime());
        if (live) {
          f.status = 'waived';
          f.waiver = { reason: live.reason, expires: live.expires };
        } else if (ws.length) {
          const w = ws[0]!;
          f.waiver = { reason: w.reason, expires: w.expires, expired: true };
          f.message += ` (waiver expired ${w.expires}: ${w.reason})`;
        }
      }
      findings.push(f);
    }
  }
  return { source: snapshot.source, evaluatedAt: now.toISOString(), findings, summary: summarize(findings) };
}

/** Whether any failing finding is at or above `threshold`. */
export function failsAt(findings: Finding[], threshold: Severity): boolean {
  return findings.some((f) => f.status === 'fail' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}

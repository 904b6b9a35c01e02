/**
 * SW-10: join-token rotation age (from swarmguard's fingerprint history) and
 * join tokens leaked into service environments, labels or configs (matched
 * by sha256: snapshots keep only fingerprints of token-shaped strings).
 */
import type { Outcome, RuleKind, Severity } from '../types.js';
import { ageOutcome, historyOf } from './rotation-age.js';
import { unknown } from './util.js';

interface Params {
  workerMaxDays: number;
  managerMaxDays: number;
  workerSeverity: Severity;
  managerSeverity: Severity;
  /** Severity of a token-shaped string that is not one of the cluster's current tokens. */
  staleLeakSeverity: Severity;
}

const SEV = { enum: ['critical', 'high', 'medium', 'low', 'info'] };

export const joinTokenAge: RuleKind<Params> = {
  kind: 'join-token-age',
  describe: 'fails when a join token is older than its limit (from the fingerprint history), and (critical) when a current join token appears in a service env, label or config',
  paramsSchema: {
    type: 'object',
    required: ['workerMaxDays', 'managerMaxDays', 'workerSeverity', 'managerSeverity', 'staleLeakSeverity'],
    additionalProperties: false,
    properties: { workerMaxDays: { type: 'number', minimum: 0 }, managerMaxDays: { type: 'number', minimum: 0 }, workerSeverity: SEV, managerSeverity: SEV, staleLeakSeverity: SEV },
  },
  evaluate(facts, p, now) {
    const out: Outcome[] = [];
    const swarm = 'data' in facts.swarm ? facts.swarm.data : undefined;
    const fps = swarm?.JoinTokenFingerprints;
    const h = historyOf(facts);
    const tokens = [
      { role: 'worker', fp: fps?.Worker, series: 'worker-token', max: p.workerMaxDays, severity: p.workerSeverity },
      { role: 'manager', fp: fps?.Manager, series: 'manager-token', max: p.managerMaxDays, severity: p.managerSeverity },
    ] as const;
    for (const t of tokens) {
      const target = { kind: 'cluster' as const, id: `join-token-${t.role}` };
      if (!swarm) out.push(unknown(target, `/swarm is unavailable: ${(facts.swarm as { unavailable: string }).unavailable}`));
      else if (!t.fp) out.push(unknown(target, `/swarm shows no ${t.role} join token (only a manager's API returns them)`));
      else if ('why' in h) out.push(unknown(target, `${t.role} join token: ${h.why}`));
      else out.push(ageOutcome({ history: h.data, series: t.series, sha256: t.fp, what: `${t.role} join token`, maxDays: t.max, severity: t.severity, target, now, rotate: `docker swarm join-token --rotate ${t.role}` }));
    }
    const current = new Map<string, string>();
    if (fps?.Worker) current.set(fps.Worker, 'worker');
    if (fps?.Manager) current.set(fps.Manager, 'manager');
    const leakTarget = { kind: 'cluster' as const, id: 'join-token-leaks' };
    const leaks: Outcome[] = [];
    const judge = (hints: string[] | undefined, target: Outcome['target'], where: string): void => {
      for (const fp of new Set(hints ?? [])) {
        const role = current.get(fp);
        if (role) leaks.push({ status: 'fail', severity: 'critical', target, message: `the current ${role} join token is in ${where}: anyone who can read it can join the cluster; rotate it (docker swarm join-token --rotate ${role}) and remove it` });
        else leaks.push({ status: 'fail', severity: current.size ? p.staleLeakSeverity : 'high', target, message: `a join-token-shaped string is in ${where}${current.size ? ' (not a current token of this cluster: an old one or another cluster\'s)' : ' (cannot compare: /swarm shows no join tokens)'}; remove it` });
      }
    };
    if ('data' in facts.services) for (const s of facts.services.data) judge(s.JoinTokenHints, { kind: 'service', id: s.ID, ...(s.Spec?.Name ? { name: s.Spec.Name } : {}) }, 'the service environment or labels');
    if ('data' in facts.configs) for (const c of facts.configs.data) judge(c.ContentHints?.joinTokens, { kind: 'config', id: c.ID, ...(c.Spec?.Name ? { name: c.Spec.Name } : {}) }, 'the config content');
    if (leaks.length) out.push(...leaks);
    else if (!('data' in facts.services) || !('data' in facts.configs)) out.push(unknown(leakTarget, `cannot look for leaked tokens: ${!('data' in facts.services) ? '/services' : '/configs'} is unavailable`));
    else out.push({ status: 'pass', target: leakTarget, message: 'no join token in service environments, labels or configs' });
    return out;
  },
};

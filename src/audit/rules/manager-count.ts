/**
 * CIS 7.1 / SW-01: managers counted from /nodes (Spec.Role), not by looking
 * for a "Leader" row as docker-bench does (there is always exactly one).
 */
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { unknown } from './util.js';

interface Params {
  max: number;
  /** Severity when there is only one manager (no HA); the rule's own when absent. */
  singleSeverity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

export const managerCount: RuleKind<Params> = {
  kind: 'manager-count',
  describe: 'fails when the number of managers in /nodes is even, above `max`, or 1 (no high availability)',
  paramsSchema: {
    type: 'object',
    required: ['max'],
    additionalProperties: false,
    properties: { max: { type: 'integer', minimum: 1 }, singleSeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] } },
  },
  evaluate(facts, p) {
    if (!('data' in facts.nodes)) return [unknown(CLUSTER, `/nodes is unavailable (only a manager can list nodes): ${facts.nodes.unavailable}`)];
    const n = facts.nodes.data.filter((x) => x.Spec?.Role === 'manager').length;
    if (n === 0) return [unknown(CLUSTER, '/nodes lists no managers')];
    if (n === 1) return [{ status: 'fail', target: CLUSTER, ...(p.singleSeverity ? { severity: p.singleSeverity } : {}), message: '1 manager: losing it loses the cluster; run 3 or 5' }];
    if (n % 2 === 0) return [{ status: 'fail', target: CLUSTER, message: `${n} managers: an even count tolerates no more failures than ${n - 1}; run an odd number` }];
    if (n > p.max) return [{ status: 'fail', severity: 'low', target: CLUSTER, message: `${n} managers: more than ${p.max} slows raft without adding useful fault tolerance` }];
    return [{ status: 'pass', target: CLUSTER, message: `${n} managers (tolerates ${(n - 1) / 2} failures)` }];
  },
};

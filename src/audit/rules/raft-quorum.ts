/** SW-02: raft quorum from /nodes ManagerStatus (reachability and exactly one leader). */
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { unknown } from './util.js';

export const raftQuorum: RuleKind<Record<string, never>> = {
  kind: 'raft-quorum',
  describe: 'fails when reachable managers are at or below quorum (critical), exactly at quorum with more than one manager (medium), or there is not exactly one leader (high)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    if (!('data' in facts.nodes)) return [unknown(CLUSTER, `/nodes is unavailable: ${facts.nodes.unavailable}`)];
    const managers = facts.nodes.data.filter((x) => x.Spec?.Role === 'manager');
    if (managers.length === 0) return [unknown(CLUSTER, '/nodes lists no managers')];
    const reachable = managers.filter((m) => m.ManagerStatus?.Reachability === 'reachable').length;
    const leaders = managers.filter((m) => m.ManagerStatus?.Leader === true).length;
    const quorum = Math.floor(managers.length / 2) + 1;
    if (reachable < quorum) return [{ status: 'fail', severity: 'critical', target: CLUSTER, message: `quorum lost: ${reachable} of ${managers.length} managers reachable, ${quorum} needed` }];
    if (leaders !== 1) return [{ status: 'fail', severity: 'high', target: CLUSTER, message: `${leaders} leaders among ${managers.length} managers; expected exactly 1` }];
    if (managers.length > 1 && reachable === quorum) return [{ status: 'fail', severity: 'medium', target: CLUSTER, message: `${reachable} of ${managers.length} managers reachable: one more failure loses quorum` }];
    return [{ status: 'pass', target: CLUSTER, message: `${reachable} of ${managers.length} managers reachable, one leader` }];
  },
};

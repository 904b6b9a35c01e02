/** SW-03: nodes whose Status.State is down or unknown; a down manager counts against quorum. */
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { unknown } from './util.js';

export const nodesDown: RuleKind<Record<string, never>> = {
  kind: 'nodes-down',
  describe: 'fails for every node whose state is down or unknown (high for managers, low for workers)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    if (!('data' in facts.nodes)) return [unknown(CLUSTER, `/nodes is unavailable: ${facts.nodes.unavailable}`)];
    const out = facts.nodes.data
      .filter((n) => n.Status?.State === 'down' || n.Status?.State === 'unknown')
      .map((n) => ({
        status: 'fail' as const,
        severity: n.Spec?.Role === 'manager' ? ('high' as const) : ('low' as const),
        target: { kind: 'node' as const, id: n.ID, ...(n.Description?.Hostname ? { name: n.Description.Hostname } : {}) },
        message: `${n.Spec?.Role ?? 'node'} is ${n.Status?.State}`,
      }));
    return out.length ? out : [{ status: 'pass', target: CLUSTER, message: `all ${facts.nodes.data.length} nodes are ready` }];
  },
};

/** SW-04: managers that accept workloads and run tasks, in a cluster with other nodes to run them. */
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { list, nodeTarget, unknown } from './util.js';

interface Task {
  NodeID?: string;
  DesiredState?: string;
  ServiceID?: string;
}

export const managerWorkloads: RuleKind<Record<string, never>> = {
  kind: 'manager-workloads',
  describe: 'fails for every active manager running tasks (desired state running) when the cluster has more than one node; needs /nodes and /tasks',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    if (!('data' in facts.nodes)) return [unknown(CLUSTER, `/nodes is unavailable: ${facts.nodes.unavailable}`)];
    const nodes = facts.nodes.data;
    const managers = nodes.filter((n) => n.Spec?.Role === 'manager');
    if (managers.length === 0) return [unknown(CLUSTER, '/nodes lists no managers')];
    if (nodes.length === 1) return [{ status: 'pass', target: CLUSTER, message: 'single-node cluster: the manager is the only place to run tasks' }];
    const active = managers.filter((m) => (m.Spec?.Availability ?? 'active') === 'active');
    if (active.length === 0) return [{ status: 'pass', target: CLUSTER, message: `all ${managers.length} managers are drained or paused` }];
    if (!('data' in facts.tasks)) {
      const why = facts.tasks.unavailable;
      return active.map((m) => unknown(nodeTarget(m), `manager accepts workloads; whether it runs any is unknown: /tasks is unavailable: ${why}`));
    }
    const tasks = facts.tasks.data as Task[];
    return active.map((m) => {
      const mine = tasks.filter((t) => t.NodeID === m.ID && t.DesiredState === 'running');
      return mine.length
        ? { status: 'fail' as const, target: nodeTarget(m), message: `manager is active and runs ${mine.length} task(s) of ${list([...new Set(mine.map((t) => t.ServiceID ?? '?'))])}; drain it (docker node update --availability drain)` }
        : { status: 'pass' as const, target: nodeTarget(m), message: 'manager is active but runs no tasks' };
    });
  },
};

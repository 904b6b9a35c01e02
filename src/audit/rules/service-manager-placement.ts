/**
 * SW-31: workloads placed on managers, by a node.role==manager (or
 * node.role!=worker) constraint or by global mode without a constraint that
 * keeps them off managers. Critical when the same service mounts the
 * container runtime or swarm state (the SW-23 paths): cluster takeover.
 */
import type { RuleKind } from '../types.js';
import { matches } from './service-mounts.js';
import { fail, forEachService, pass } from './util.js';

interface Params {
  criticalPaths: string[];
  criticalBasenames: string[];
}

const compact = (c: string): string => c.replace(/\s+/g, '').toLowerCase();

export const serviceManagerPlacement: RuleKind<Params> = {
  kind: 'service-manager-placement',
  describe: 'fails for every service constrained to managers or global without excluding managers; critical when it also mounts one of `criticalPaths` / `criticalBasenames`',
  paramsSchema: {
    type: 'object',
    required: ['criticalPaths', 'criticalBasenames'],
    additionalProperties: false,
    properties: { criticalPaths: { type: 'array', items: { type: 'string', pattern: '^/' } }, criticalBasenames: { type: 'array', items: { type: 'string', minLength: 1 } } },
  },
  evaluate(facts, p) {
    return forEachService(facts, (s, target) => {
      const cons = (s.Spec?.TaskTemplate?.Placement?.Constraints ?? []).map(compact);
      const pinned = cons.some((c) => c === 'node.role==manager' || c === 'node.role!=worker');
      const offManagers = cons.some((c) => c === 'node.role==worker' || c === 'node.role!=manager');
      const global = s.Spec?.Mode?.Global !== undefined;
      const why = pinned ? 'constrained to managers' : global && !offManagers ? 'global mode without a node.role==worker constraint (runs on every manager)' : undefined;
      if (!why) return pass(target, offManagers ? 'kept off managers by its constraints' : 'not placed on managers by its spec');
      const mounts = (s.Spec?.TaskTemplate?.ContainerSpec?.Mounts ?? []).filter((m) => (m.Type ?? 'bind') === 'bind' && m.Source && matches(m.Source, { paths: p.criticalPaths, basenames: p.criticalBasenames }));
      return mounts.length
        ? fail(target, `${why} and mounts ${mounts.map((m) => m.Source).join(', ')}: control of a manager's engine is control of the cluster`, 'critical')
        : fail(target, `${why}; a compromised task then shares a node with the raft state and the CA key`);
    });
  },
};

/** CIS 5.4 / SW-24 / SW-25: added capabilities (ALL is critical: the closest a service gets to --privileged). */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass } from './util.js';

interface Params {
  deny: string[];
  /** SW-24: also fail (low) when the service does not drop ALL capabilities first. */
  requireDropAll?: boolean;
}

const norm = (c: string): string => c.toUpperCase().replace(/^CAP_/, '');

export const serviceCapabilities: RuleKind<Params> = {
  kind: 'service-capabilities',
  describe: 'fails for every service adding ALL (critical) or a capability in `deny`',
  paramsSchema: { type: 'object', required: ['deny'], additionalProperties: false, properties: { deny: { type: 'array', items: { type: 'string' } }, requireDropAll: { type: 'boolean' } } },
  evaluate(facts, p) {
    const deny = new Set(p.deny.map(norm));
    return forEachService(facts, (s, target) => {
      const add = (s.Spec?.TaskTemplate?.ContainerSpec?.CapabilityAdd ?? []).map(norm);
      if (add.includes('ALL')) return fail(target, 'adds ALL capabilities', 'critical');
      const bad = add.filter((c) => deny.has(c));
      if (bad.length) return fail(target, `adds ${bad.join(', ')}`);
      const dropsAll = (s.Spec?.TaskTemplate?.ContainerSpec?.CapabilityDrop ?? []).map(norm).includes('ALL');
      if (p.requireDropAll && !dropsAll) return fail(target, `${add.length ? `adds ${add.join(', ')} but ` : ''}does not drop ALL capabilities first (--cap-drop ALL, then add what is needed)`, 'low');
      return pass(target, `${add.length ? `adds only ${add.join(', ')}` : 'adds no capabilities'}${dropsAll ? ', drops ALL' : ''}`);
    });
  },
};

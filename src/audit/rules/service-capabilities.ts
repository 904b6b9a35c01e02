/** CIS 5.4 / SW-24 / SW-25: added capabilities (ALL is critical: the closest a service gets to --privileged). */
import type { RuleKind } from '../types.js';
import { forEachService } from './util.js';

interface Params {
  deny: string[];
}

const norm = (c: string): string => c.toUpperCase().replace(/^CAP_/, '');

export const serviceCapabilities: RuleKind<Params> = {
  kind: 'service-capabilities',
  describe: 'fails for every service adding ALL (critical) or a capability in `deny`',
  paramsSchema: { type: 'object', required: ['deny'], additionalProperties: false, properties: { deny: { type: 'array', items: { type: 'string' } } } },
  evaluate(facts, p) {
    const deny = new Set(p.deny.map(norm));
    return forEachService(facts, (s, target) => {
      const add = (s.Spec?.TaskTemplate?.ContainerSpec?.CapabilityAdd ?? []).map(norm);
      if (add.includes('ALL')) return { status: 'fail', severity: 'critical', target, message: 'adds ALL capabilities' };
      const bad = add.filter((c) => deny.has(c));
      return bad.length ? { status: 'fail', target, message: `adds ${bad.join(', ')}` } : { status: 'pass', target, message: add.length ? `adds only ${add.join(', ')}` : 'adds no capabilities' };
    });
  },
};

/** CIS 5.10 / SW-30: a service attached to the `host` network (by ID or name). */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass, unknown } from './util.js';

export const serviceHostNetwork: RuleKind<Record<string, never>> = {
  kind: 'service-host-network',
  describe: "fails for every service attached to the node's `host` network",
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    const host = 'data' in facts.networks ? facts.networks.data.find((n) => n.Driver === 'host') : undefined;
    const hostIds = new Set(['host', ...(host ? [host.Id ?? host.ID ?? ''] : [])]);
    return forEachService(facts, (s, target) => {
      const nets = (s.Spec?.TaskTemplate?.Networks ?? []).map((n) => n.Target ?? '');
      if (nets.some((n) => hostIds.has(n))) return fail(target, 'attached to the host network: shares the node network stack');
      if (!host && nets.length && !('data' in facts.networks)) return unknown(target, `cannot tell whether a network is host: /networks unavailable`);
      return pass(target, 'not on the host network');
    });
  },
};

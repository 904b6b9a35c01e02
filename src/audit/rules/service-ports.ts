/** CIS 5.8 / SW-22: published ports below a bound, or in a list of sensitive ports. */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass } from './util.js';

interface Params {
  /** Fail for published ports strictly below this number. */
  below?: number;
  /** Fail for these published ports. */
  ports?: number[];
}

export const servicePorts: RuleKind<Params> = {
  kind: 'service-ports',
  describe: 'fails for every service publishing a port below `below` or listed in `ports` (swarm publishes on every interface of every node)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { below: { type: 'integer', minimum: 1, maximum: 65536 }, ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } } },
  },
  evaluate(facts, p) {
    return forEachService(facts, (s, target) => {
      const bad = (s.Spec?.EndpointSpec?.Ports ?? []).filter(
        (x) => x.PublishedPort !== undefined && ((p.below !== undefined && x.PublishedPort < p.below) || (p.ports ?? []).includes(x.PublishedPort)),
      );
      if (bad.length === 0) return pass(target, 'no such published ports');
      return fail(target, `publishes ${bad.map((x) => `${x.PublishedPort}/${x.Protocol ?? 'tcp'} (${x.PublishMode ?? 'ingress'})`).join(', ')}`);
    });
  },
};

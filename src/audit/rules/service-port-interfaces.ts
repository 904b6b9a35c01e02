/**
 * CIS 5.14 for services: a port binds to one host interface. Swarm's
 * PortConfig has no HostIP, so every published port (ingress or host mode)
 * listens on all interfaces of the nodes; the rule reports that as it is.
 */
import type { RuleKind } from '../types.js';
import { fail, forEachService, list, pass } from './util.js';

export const servicePortInterfaces: RuleKind<Record<string, never>> = {
  kind: 'service-port-interfaces',
  describe: 'fails for every service that publishes a port: swarm cannot bind a published port to one interface (PortConfig has no HostIP)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    return forEachService(facts, (s, target) => {
      const ports = (s.Spec?.EndpointSpec?.Ports ?? []).filter((x) => x.PublishedPort);
      if (ports.length === 0) return pass(target, 'publishes no ports');
      const shown = list(ports.map((x) => `${x.PublishedPort}/${x.Protocol ?? 'tcp'} (${x.PublishMode ?? 'ingress'})`));
      return fail(target, `publishes ${shown} on every interface${ports.some((x) => (x.PublishMode ?? 'ingress') === 'ingress') ? ' of every node' : ' of its nodes'}; a service spec cannot name a host IP, so filter with a host firewall or do not publish`);
    });
  },
};

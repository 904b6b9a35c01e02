/** SW-29: memory, PIDs and CPU limits and a read-only root filesystem, each missing item at its own severity. */
import { SEVERITY_RANK } from '../severity.js';
import type { RuleKind, Severity } from '../types.js';
import { fail, forEachService, pass } from './util.js';

interface Params {
  memory: Severity;
  pids: Severity;
  cpu: Severity;
  readOnly: Severity;
}

const SEV = { enum: ['critical', 'high', 'medium', 'low', 'info'] };

export const serviceResources: RuleKind<Params> = {
  kind: 'service-resources',
  describe: 'fails for every service missing a memory, PIDs or CPU limit or a read-only root filesystem; the worst missing item sets the severity',
  paramsSchema: { type: 'object', required: ['memory', 'pids', 'cpu', 'readOnly'], additionalProperties: false, properties: { memory: SEV, pids: SEV, cpu: SEV, readOnly: SEV } },
  evaluate(facts, p) {
    return forEachService(facts, (s, target) => {
      const tt = s.Spec?.TaskTemplate;
      const lim = tt?.Resources?.Limits ?? {};
      const missing: Array<[string, Severity]> = [];
      if (!(typeof lim.MemoryBytes === 'number' && lim.MemoryBytes > 0)) missing.push(['memory limit', p.memory]);
      if (!(typeof lim.Pids === 'number' && lim.Pids > 0)) missing.push(['PIDs limit', p.pids]);
      if (!(typeof lim.NanoCPUs === 'number' && lim.NanoCPUs > 0)) missing.push(['CPU limit', p.cpu]);
      if (tt?.ContainerSpec?.ReadOnly !== true) missing.push(['read-only root filesystem', p.readOnly]);
      if (missing.length === 0) return pass(target, 'memory, PIDs and CPU limited; root filesystem read-only');
      const worst = missing.reduce((a, b) => (SEVERITY_RANK[b[1]] > SEVERITY_RANK[a[1]] ? b : a))[1];
      return fail(target, `missing: ${missing.map(([m, sev]) => `${m} (${sev})`).join(', ')}`, worst);
    });
  },
};

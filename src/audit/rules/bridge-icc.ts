/** CIS 2.2: inter-container traffic on the default bridge, read from /networks (N/A when there is no bridge). */
import type { RuleKind } from '../types.js';
import { unknown } from './util.js';

export const bridgeIcc: RuleKind<Record<string, never>> = {
  kind: 'bridge-icc',
  describe: 'fails when the default `bridge` network allows inter-container traffic (enable_icc not "false")',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    const t = { kind: 'network', id: 'bridge', name: 'bridge' } as const;
    if (!('data' in facts.networks)) return [unknown(t, `/networks is unavailable: ${facts.networks.unavailable}`)];
    const br = facts.networks.data.find((n) => n.Name === 'bridge' && n.Driver === 'bridge');
    if (!br) return [{ status: 'pass', target: t, message: 'no default bridge network (dockerd --bridge=none)' }];
    const icc = br.Options?.['com.docker.network.bridge.enable_icc'];
    return [icc === 'false' ? { status: 'pass', target: t, message: 'icc is disabled on the default bridge' } : { status: 'fail', target: t, message: `icc is enabled on the default bridge (enable_icc=${icc ?? 'unset'})` }];
  },
};

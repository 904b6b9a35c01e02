/** CIS 7.4: Docker secrets are used; fails when services exist but no secret does, or secret-like env values are set. */
import { secretLikeEnvName } from '../snapshot.js';
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { unknown } from './util.js';

export const secretsUsed: RuleKind<Record<string, never>> = {
  kind: 'secrets-used',
  describe: 'fails when services exist but none mounts a Docker secret while some set secret-looking environment variables',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    if (!('data' in facts.services)) return [unknown(CLUSTER, `/services is unavailable: ${facts.services.unavailable}`)];
    const services = facts.services.data;
    if (services.length === 0) return [{ status: 'pass', target: CLUSTER, message: 'no services' }];
    let mounting = 0;
    for (const s of services) if ((s.Spec?.TaskTemplate?.ContainerSpec?.Secrets?.length ?? 0) > 0) mounting++;
    const count = 'data' in facts.secrets ? facts.secrets.data.length : undefined;
    if (mounting > 0) return [{ status: 'pass', target: CLUSTER, message: `${mounting} of ${services.length} services mount Docker secrets${count !== undefined ? ` (${count} secrets)` : ''}` }];
    // only when no service mounts a secret does it matter how many pass one in the environment
    const envy = services.filter((s) => (s.Spec?.TaskTemplate?.ContainerSpec?.Env ?? []).some((kv) => secretLikeEnvName(kv.split('=')[0] ?? ''))).length;
    if (envy > 0) return [{ status: 'fail', target: CLUSTER, message: `no service mounts a Docker secret, but ${envy} pass secret-looking environment variables` }];
    return [{ status: 'pass', target: CLUSTER, message: 'no service needs a secret as far as the specs show' }];
  },
};

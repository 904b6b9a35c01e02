/** SW-17: secret-looking environment variables with literal values (the values were redacted when the snapshot was taken). */
import { secretLikeEnvName } from '../snapshot.js';
import type { RuleKind } from '../types.js';
import { fail, forEachService, list, pass } from './util.js';

export const serviceEnvSecrets: RuleKind<Record<string, never>> = {
  kind: 'service-env-secrets',
  describe: 'fails for every service with a non-empty environment variable named like a credential (PASSWORD, TOKEN, API_KEY, ...; *_FILE is fine)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    return forEachService(facts, (s, target) => {
      const names = (s.Spec?.TaskTemplate?.ContainerSpec?.Env ?? [])
        .filter((kv) => kv.includes('=') && kv.slice(kv.indexOf('=') + 1) !== '')
        .map((kv) => kv.slice(0, kv.indexOf('=')))
        .filter(secretLikeEnvName);
      return names.length
        ? fail(target, `credential-like environment variables: ${list(names)}; use Docker secrets (and *_FILE)`)
        : pass(target, 'no credential-like environment variables');
    });
  },
};

/** `host-only`: a check the Engine API cannot answer; always unknown, never pass. */
import type { RuleKind } from '../types.js';

interface Params {
  needs: string;
}

export const hostOnly: RuleKind<Params> = {
  kind: 'host-only',
  describe: 'a setting the Engine API does not expose; reported unknown until a host collector exists',
  paramsSchema: { type: 'object', required: ['needs'], additionalProperties: false, properties: { needs: { type: 'string', minLength: 1 } } },
  evaluate(_facts, p) {
    return [{ status: 'unknown', target: { kind: 'engine', id: 'engine' }, message: `not decidable from the Engine API: needs ${p.needs} on the host` }];
  },
};

/** `host-only`: a check neither the Engine API nor the host collectors answer yet; always unknown, never pass. */
import type { RuleKind } from '../types.js';

interface Params {
  needs: string;
}

export const hostOnly: RuleKind<Params> = {
  kind: 'host-only',
  describe: 'a fact neither the Engine API nor the host collectors provide (yet); always unknown',
  paramsSchema: { type: 'object', required: ['needs'], additionalProperties: false, properties: { needs: { type: 'string', minLength: 1 } } },
  evaluate(_facts, p) {
    return [{ status: 'unknown', target: { kind: 'engine', id: 'engine' }, message: `not decidable from the collected facts: needs ${p.needs}` }];
  },
};

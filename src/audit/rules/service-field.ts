/** `service-field`: one field of each service's TaskTemplate compared with an operator (limits, read-only rootfs, healthcheck, ...). */
import type { RuleKind } from '../types.js';
import { OPS, OP_NAMES, show, type OpName } from './ops.js';
import { forEachService, getPath, outcome } from './util.js';

interface Params {
  /** Dotted path below Spec.TaskTemplate, e.g. `Resources.Limits.MemoryBytes`. */
  path: string;
  op: OpName;
  value?: unknown;
  setting?: string;
}

export const serviceField: RuleKind<Params> = {
  kind: 'service-field',
  describe: "compares one field of every service's Spec.TaskTemplate with an operator; an absent field is a fact (not set)",
  paramsSchema: {
    type: 'object',
    required: ['path', 'op'],
    additionalProperties: false,
    properties: { path: { type: 'string', minLength: 1 }, op: { enum: OP_NAMES }, value: {}, setting: { type: 'string' } },
  },
  evaluate(facts, p) {
    const op = OPS[p.op];
    const label = `${p.setting ?? p.path} is `;
    const want = ` (want ${p.value === undefined ? p.op : `${p.op} ${show(p.value)}`})`;
    return forEachService(facts, (s, target) => {
      const v = getPath(s.Spec?.TaskTemplate, p.path);
      return outcome(op(v, p.value) ? 'pass' : 'fail', target, label + show(v) + want);
    });
  },
};

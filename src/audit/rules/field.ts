/** `field`: one value of /info, /version or /swarm compared with an operator. */
import type { Facts } from '../snapshot.js';
import type { RuleKind, Target } from '../types.js';
import { ABSENT_IS_FACT, OPS, OP_NAMES, show, type OpName } from './ops.js';
import { getPath, unknown } from './util.js';

interface Params {
  endpoint: 'info' | 'version' | 'swarm';
  path: string;
  op: OpName;
  value?: unknown;
  /** Human name of the setting, for messages. */
  setting?: string;
  /** Unknown instead of a verdict when the field is absent (older engines). */
  absentIsUnknown?: boolean;
}

const TARGET: Record<Params['endpoint'], Target> = {
  info: { kind: 'engine', id: 'engine' },
  version: { kind: 'engine', id: 'engine' },
  swarm: { kind: 'cluster', id: 'cluster' },
};

export const field: RuleKind<Params> = {
  kind: 'field',
  describe: 'compares one field of /info, /version or /swarm with an operator',
  paramsSchema: {
    type: 'object',
    required: ['endpoint', 'path', 'op'],
    additionalProperties: false,
    properties: {
      endpoint: { enum: ['info', 'version', 'swarm'] },
      path: { type: 'string', minLength: 1 },
      op: { enum: OP_NAMES },
      value: {},
      setting: { type: 'string' },
      absentIsUnknown: { type: 'boolean' },
    },
  },
  evaluate(facts: Facts, p: Params) {
    const target = TARGET[p.endpoint];
    const f = facts[p.endpoint];
    if (!('data' in f)) return [unknown(target, `/${p.endpoint} is unavailable: ${f.unavailable}`)];
    const v = getPath(f.data, p.path);
    const name = p.setting ?? p.path;
    if (v === undefined && (p.absentIsUnknown || !ABSENT_IS_FACT.has(p.op))) {
      return [unknown(target, `${name} (${p.path}) is not reported by this engine`)];
    }
    const ok = OPS[p.op](v, p.value);
    const want = p.value === undefined ? p.op : `${p.op} ${show(p.value)}`;
    return [{ status: ok ? 'pass' : 'fail', target, message: `${name} is ${show(v)} (want ${want})` }];
  },
};

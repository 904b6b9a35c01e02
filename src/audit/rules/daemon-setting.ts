/**
 * `daemon-setting`: one effective dockerd setting (flags merged with
 * daemon.json, then dockerd's default), read on the host. CIS 2.3, 2.4, 2.8,
 * 2.10, 2.11, 2.14, 2.16: the settings the Engine API does not expose.
 */
import type { RuleKind } from '../types.js';
import { OPS, OP_NAMES, show, type OpName } from './ops.js';
import { getPath } from './util.js';
import { HOST_ENGINE, describeSetting, hostOr, settingOr, unknownHost } from './host-util.js';

interface Params {
  /** daemon.json key (the flag's plural where they differ: authorization-plugins, storage-opts). */
  key: string;
  op: OpName;
  value?: unknown;
  /** Without host facts: fail when this /info field equals the value (only a failure can be told remotely; else unknown). */
  remoteFail?: { path: string; equals: unknown };
}

const emptyObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

export const daemonSetting: RuleKind<Params> = {
  kind: 'daemon-setting',
  describe: "compares one effective dockerd setting (its flags and daemon.json read on the host, else dockerd's default) with an operator; unknown without host facts",
  paramsSchema: {
    type: 'object',
    required: ['key', 'op'],
    additionalProperties: false,
    properties: {
      key: { type: 'string', minLength: 1 },
      op: { enum: OP_NAMES },
      value: {},
      remoteFail: { type: 'object', required: ['path', 'equals'], additionalProperties: false, properties: { path: { type: 'string', minLength: 1 }, equals: {} } },
    },
  },
  evaluate(facts, p) {
    const h = hostOr(facts);
    if ('why' in h) {
      const r = p.remoteFail;
      if (r && 'data' in facts.info && getPath(facts.info.data, r.path) === r.equals) {
        return [{ status: 'fail', target: HOST_ENGINE, message: `/info ${r.path} is ${show(r.equals)}, so ${p.key} fails whatever the host says` }];
      }
      return unknownHost(HOST_ENGINE, h.why);
    }
    const s = settingOr(h.data, p.key);
    if ('why' in s) return unknownHost(HOST_ENGINE, s.why);
    const v = emptyObject(s.setting.value) ? undefined : s.setting.value;
    const ok = OPS[p.op](v, p.value);
    const conflict = h.data.conflicts.includes(p.key) ? '; also in daemon.json, so dockerd will refuse to restart' : '';
    return [{ status: ok ? 'pass' : 'fail', target: HOST_ENGINE, message: `${describeSetting(p.key, s.setting)} (want ${p.value === undefined ? p.op : `${p.op} ${show(p.value)}`})${conflict}` }];
  },
};

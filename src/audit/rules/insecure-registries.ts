/** CIS 2.5: no insecure registries, from /info.RegistryConfig (the built-in 127.0.0.0/8 is ignored). */
import type { RuleKind } from '../types.js';
import { list, unknown } from './util.js';

interface Params {
  ignoreCidrs: string[];
}

export const insecureRegistries: RuleKind<Params> = {
  kind: 'insecure-registries',
  describe: 'fails when /info lists insecure registry CIDRs or non-secure index configs',
  paramsSchema: { type: 'object', required: ['ignoreCidrs'], additionalProperties: false, properties: { ignoreCidrs: { type: 'array', items: { type: 'string' } } } },
  evaluate(facts, p) {
    const t = { kind: 'engine', id: 'engine' } as const;
    if (!('data' in facts.info)) return [unknown(t, `/info is unavailable: ${facts.info.unavailable}`)];
    const rc = facts.info.data.RegistryConfig;
    if (!rc) return [unknown(t, '/info has no RegistryConfig')];
    const cidrs = (rc.InsecureRegistryCIDRs ?? []).filter((c) => !p.ignoreCidrs.includes(c));
    const names = Object.values(rc.IndexConfigs ?? {}).filter((i) => i.Secure === false).map((i) => i.Name ?? '?');
    const bad = [...cidrs, ...names];
    return [bad.length ? { status: 'fail', target: t, message: `insecure registries: ${list(bad)}` } : { status: 'pass', target: t, message: 'no insecure registries' }];
  },
};

/** SW-18: configs whose content looks like a private key or a password (configs are readable in clear through the API). */
import type { RuleKind } from '../types.js';
import { unknown } from './util.js';

export const configContent: RuleKind<Record<string, never>> = {
  kind: 'config-content',
  describe: 'fails for every config whose content looked like a private key or a password assignment when the snapshot was taken',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    const t = { kind: 'cluster', id: 'configs' } as const;
    if (!('data' in facts.configs)) return [unknown(t, `/configs is unavailable: ${facts.configs.unavailable}`)];
    if (facts.configs.data.length === 0) return [{ status: 'pass', target: t, message: 'no configs' }];
    return facts.configs.data.map((c) => {
      const target = { kind: 'config' as const, id: c.ID, ...(c.Spec?.Name ? { name: c.Spec.Name } : {}) };
      const h = c.ContentHints;
      if (!h) return unknown(target, 'config content was not inspected (list configs from a manager)');
      if (h.privateKey) return { status: 'fail' as const, target, message: 'config holds a PEM private key; store it as a secret' };
      if (h.passwordLike) return { status: 'fail' as const, target, message: 'config holds a password-like assignment; store it as a secret' };
      return { status: 'pass' as const, target, message: 'no key or password seen' };
    });
  },
};

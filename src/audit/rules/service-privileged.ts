/**
 * SW-25 / CIS 5.5: services have no Privileged field, so the audit looks for
 * the equivalent: ALL capabilities together with host devices (a bind of
 * /dev) or a disabled seccomp/AppArmor profile. ALL alone is reported by the
 * capability rules (cis-5.4, sw-24).
 */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass } from './util.js';

interface Params {
  /** Bind sources that hand the container host devices. */
  devicePaths: string[];
}

export const servicePrivileged: RuleKind<Params> = {
  kind: 'service-privileged',
  describe: 'fails for every service that adds ALL capabilities and also binds host devices or runs with seccomp unconfined or AppArmor disabled (the service equivalent of --privileged)',
  paramsSchema: { type: 'object', required: ['devicePaths'], additionalProperties: false, properties: { devicePaths: { type: 'array', items: { type: 'string', pattern: '^/' } } } },
  evaluate(facts, p) {
    return forEachService(facts, (s, target) => {
      const cs = s.Spec?.TaskTemplate?.ContainerSpec ?? {};
      const all = (cs.CapabilityAdd ?? []).some((c) => c.toUpperCase().replace(/^CAP_/, '') === 'ALL');
      const extras: string[] = [];
      for (const m of cs.Mounts ?? []) {
        const src = (m.Source ?? '').replace(/\/+$/, '') || '/';
        if ((m.Type ?? 'bind') === 'bind' && p.devicePaths.some((d) => src === d || src.startsWith(d + '/'))) extras.push(`binds ${m.Source}`);
      }
      if (cs.Privileges?.Seccomp?.Mode === 'unconfined') extras.push('seccomp unconfined');
      if (cs.Privileges?.AppArmor?.Mode === 'disabled') extras.push('AppArmor disabled');
      if (all && extras.length) return fail(target, `privileged in all but name: adds ALL capabilities and ${extras.join(', ')}`);
      return pass(target, all ? `adds ALL capabilities (see cis-5.4/sw-24) but has no host devices or disabled profiles` : extras.length ? `${extras.join(', ')}, without ALL capabilities` : 'not privileged-equivalent');
    });
  },
};

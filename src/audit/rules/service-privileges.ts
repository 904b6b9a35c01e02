/**
 * CIS 5.2 / 5.3 / 5.22 / 5.26 and SW-28: security profiles in
 * ContainerSpec.Privileges. Seccomp, AppArmor and NoNewPrivileges exist in
 * service specs from API 1.44 (engine 25.0) only: before that a service
 * cannot set them, the daemon's defaults apply, and the rule says so
 * (unknown) instead of passing. SELinuxContext is older.
 */
import type { Facts, SwarmService } from '../snapshot.js';
import type { Outcome, RuleKind, Severity } from '../types.js';
import { apiAtLeast, apiVersion, fail, forEachService, pass, unknown } from './util.js';

type Check = 'seccomp' | 'apparmor' | 'selinux' | 'no-new-privileges';

interface Params {
  checks: Check[];
  /** Severity of a missing no-new-privileges (the rule's own when absent). */
  nnpSeverity?: Severity;
  /** Severity of the "cannot be set before API 1.44" unknown. */
  oldApiSeverity?: Severity;
}

const PRIVILEGES_API = '1.44';
const SEV = { enum: ['critical', 'high', 'medium', 'low', 'info'] };

type Verdict = { ok: string } | { bad: string } | { cannot: string } | { unknown: string };

/** A profile the spec does not set: the default applies from API 1.44, cannot be set before, unknown without a version. */
function absent(newApi: boolean | undefined, what: string, dflt: string): Verdict {
  return newApi === true ? { ok: `${what}: ${dflt}` } : newApi === false ? { cannot: what } : { unknown: `${what}: not in the spec, and the engine API version is unknown` };
}

function judge(check: Check, s: SwarmService, daemonNnp: boolean | undefined, newApi: boolean | undefined): Verdict {
  const pr = s.Spec?.TaskTemplate?.ContainerSpec?.Privileges ?? {};
  if (check === 'seccomp') {
    const mode = pr.Seccomp?.Mode;
    if (mode === 'unconfined') return { bad: 'seccomp is unconfined' };
    return mode ? { ok: `seccomp ${mode}` } : absent(newApi, 'seccomp', 'the default profile');
  }
  if (check === 'apparmor') {
    const mode = pr.AppArmor?.Mode;
    if (mode === 'disabled') return { bad: 'AppArmor is disabled' };
    return mode ? { ok: `AppArmor ${mode}` } : absent(newApi, 'AppArmor', 'the default profile (on hosts with AppArmor)');
  }
  if (check === 'selinux') {
    const c = pr.SELinuxContext;
    if (!c) return { bad: 'no SELinux context (the daemon default labels apply only with SELinux enabled)' };
    if (c.Disable) return { bad: 'SELinux labelling is disabled' };
    return { ok: `SELinux context ${[c.User, c.Role, c.Type, c.Level].filter(Boolean).join(':') || 'set'}` };
  }
  if (pr.NoNewPrivileges === true) return { ok: 'no-new-privileges set in the spec' };
  if (daemonNnp) return { ok: "no-new-privileges is this engine's daemon default (other nodes' daemon.json is not visible)" };
  if (newApi === false) return { cannot: 'no-new-privileges' };
  if (newApi === undefined) return { unknown: 'no-new-privileges: not in the spec, and the engine API version is unknown' };
  return { bad: 'no-new-privileges is not set (neither in the spec nor as the daemon default)' };
}

export const servicePrivileges: RuleKind<Params> = {
  kind: 'service-privileges',
  describe: `fails for every service whose Privileges weaken the listed checks (seccomp unconfined, AppArmor disabled, no SELinux context, no no-new-privileges); unknown where the engine API is older than ${PRIVILEGES_API}`,
  paramsSchema: {
    type: 'object',
    required: ['checks'],
    additionalProperties: false,
    properties: {
      checks: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['seccomp', 'apparmor', 'selinux', 'no-new-privileges'] } },
      nnpSeverity: SEV,
      oldApiSeverity: SEV,
    },
  },
  evaluate(facts, p) {
    const api = apiVersion(facts);
    const newApi = api ? apiAtLeast(api, PRIVILEGES_API) : undefined;
    const daemonNnp = 'data' in facts.info ? (facts.info.data.SecurityOptions ?? []).some((o) => o === 'name=no-new-privileges') : undefined;
    return forEachService(facts, (s, target): Outcome => {
      // one pass over the checks, sorting verdicts into the four kinds (checks keep their order)
      let bad: string[] | undefined;
      let nnpOnly = true;
      let cannot: string[] | undefined;
      let unk: string[] | undefined;
      const ok: string[] = [];
      for (const c of p.checks) {
        const v = judge(c, s, daemonNnp, newApi);
        if ('bad' in v) {
          (bad ??= []).push(v.bad);
          if (c !== 'no-new-privileges') nnpOnly = false;
        } else if ('cannot' in v) (cannot ??= []).push(v.cannot);
        else if ('unknown' in v) (unk ??= []).push(v.unknown);
        else ok.push(v.ok);
      }
      if (bad) {
        // a missing no-new-privileges alone takes nnpSeverity; a weakened profile takes the rule's own
        const only = nnpOnly ? p.nnpSeverity : undefined;
        return fail(target, bad.join('; '), only);
      }
      if (cannot) {
        return unknown(
          target,
          `${cannot.join(', ')} cannot be set for services before API ${PRIVILEGES_API} (this engine: ${api?.join('.')}): the daemon defaults of each node apply and are not visible here`,
          p.oldApiSeverity,
        );
      }
      if (unk) return unknown(target, unk.join('; '));
      return pass(target, ok.join('; '));
    });
  },
};

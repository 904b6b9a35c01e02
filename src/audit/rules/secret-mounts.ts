/** SW-19: secret file modes wider than `maxMode` (per service), secrets older than `maxAgeDays`, and unused secrets (info). */
import type { Outcome, RuleKind } from '../types.js';
import { daysBetween, fail, list, pass, serviceTarget, unknown } from './util.js';

interface Params {
  /** Permission bits a secret file may have (0o440 = 288). */
  maxMode: number;
  maxAgeDays: number;
}

const oct = (n: number): string => `0${n.toString(8)}`;

export const secretMounts: RuleKind<Params> = {
  kind: 'secret-mounts',
  describe: 'fails for every service mounting a secret with permission bits beyond `maxMode`, every secret older than `maxAgeDays`, and (info) every secret no service uses',
  paramsSchema: {
    type: 'object',
    required: ['maxMode', 'maxAgeDays'],
    additionalProperties: false,
    properties: { maxMode: { type: 'integer', minimum: 0, maximum: 0o7777 }, maxAgeDays: { type: 'number', exclusiveMinimum: 0 } },
  },
  evaluate(facts, p, now) {
    const out: Outcome[] = [];
    const used = new Set<string>();
    if (!('data' in facts.services)) out.push(unknown({ kind: 'cluster', id: 'services' }, `/services is unavailable: ${facts.services.unavailable}`));
    else
      for (const s of facts.services.data) {
        const refs = s.Spec?.TaskTemplate?.ContainerSpec?.Secrets ?? [];
        if (refs.length === 0) continue;
        for (const r of refs) {
          if (r.SecretID) used.add(r.SecretID);
          if (r.SecretName) used.add(r.SecretName);
        }
        // a reference without File.Mode is mounted 0444 by the engine
        const wide = refs.filter((r) => ((r.File?.Mode ?? 0o444) & ~p.maxMode) !== 0);
        out.push(
          wide.length
            ? fail(serviceTarget(s), `secret files wider than ${oct(p.maxMode)}: ${list(wide.map((r) => `${r.SecretName ?? r.SecretID ?? '?'} ${oct(r.File?.Mode ?? 0o444)}`))}; use --secret source=NAME,mode=0400`)
            : pass(serviceTarget(s), `${refs.length} secret file(s), none wider than ${oct(p.maxMode)}`),
        );
      }
    if (!('data' in facts.secrets)) out.push(unknown({ kind: 'cluster', id: 'secrets' }, `/secrets is unavailable: ${facts.secrets.unavailable}`));
    else
      for (const sec of facts.secrets.data) {
        const target = { kind: 'secret' as const, id: sec.ID, ...(sec.Spec?.Name ? { name: sec.Spec.Name } : {}) };
        const age = sec.CreatedAt ? daysBetween(sec.CreatedAt, now) : undefined;
        if (age !== undefined && age > p.maxAgeDays) out.push(fail(target, `secret created ${Math.floor(age)} days ago (policy ${p.maxAgeDays}); rotate it (create a new secret, update services, remove the old one)`));
        else if ('data' in facts.services && !used.has(sec.ID) && !(sec.Spec?.Name && used.has(sec.Spec.Name))) out.push(fail(target, 'no service uses this secret; remove it if it is no longer needed', 'info'));
        else if (age === undefined) out.push(unknown(target, 'the secret has no CreatedAt'));
        else out.push(pass(target, `created ${Math.floor(age)} days ago${'data' in facts.services ? ', in use' : ''}`));
      }
    return out.length ? out : [pass({ kind: 'cluster', id: 'secrets' }, 'no secrets and no service mounts one')];
  },
};

/** CIS 5.6 / 5.32, SW-23 / SW-26: bind mounts of host paths a service must not see. */
import type { RuleKind } from '../types.js';
import { fail, forEachService, list, pass } from './util.js';

interface Params {
  /** Host paths; a mount matches when its source is the path or lies below it (`/` matches only `/`). */
  paths: string[];
  /** Also match any source whose last component is one of these (docker.sock under any directory). */
  basenames?: string[];
  /** When true, a read-only mount passes; otherwise any mount fails. */
  readOnlyPasses?: boolean;
  /** Severity when every matching mount is read-only (instead of passing). */
  readOnlySeverity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

/** Whether a bind source is one of `paths` (or below it) or has one of `basenames`. */
export function matches(src: string, p: Pick<Params, 'paths' | 'basenames'>): boolean {
  const clean = src.replace(/\/+$/, '') || '/';
  if (p.basenames?.includes(clean.split('/').pop() ?? '')) return true;
  return p.paths.some((x) => (x === '/' ? clean === '/' : clean === x || clean.startsWith(x + '/')));
}

export const serviceMounts: RuleKind<Params> = {
  kind: 'service-mounts',
  describe: 'fails for every service with a bind mount whose host source is one of `paths` (or below it) or has one of `basenames`',
  paramsSchema: {
    type: 'object',
    required: ['paths'],
    additionalProperties: false,
    properties: {
      paths: { type: 'array', items: { type: 'string', pattern: '^/' } },
      basenames: { type: 'array', items: { type: 'string', minLength: 1 } },
      readOnlyPasses: { type: 'boolean' },
      readOnlySeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] },
    },
  },
  evaluate(facts, p) {
    return forEachService(facts, (s, target) => {
      const hits = (s.Spec?.TaskTemplate?.ContainerSpec?.Mounts ?? []).filter((m) => (m.Type ?? 'bind') === 'bind' && m.Source && matches(m.Source, p));
      if (hits.length === 0) return pass(target, 'no such bind mounts');
      const rw = hits.filter((m) => !m.ReadOnly);
      const shown = list(hits.map((m) => `${m.Source}:${m.Target}${m.ReadOnly ? ':ro' : ''}`));
      if (rw.length === 0 && p.readOnlyPasses) return pass(target, `read-only: ${shown}`);
      if (rw.length === 0 && p.readOnlySeverity) return fail(target, `mounts (read-only) ${shown}`, p.readOnlySeverity);
      return fail(target, `mounts ${shown}`);
    });
  },
};

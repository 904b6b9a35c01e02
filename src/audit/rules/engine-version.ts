/** SW-14: engine versions affected by the encrypted-overlay advisories (GHSA-33pg-m6jh-5237, GHSA-6wrf-mxfj-pf5p). */
import type { RuleKind } from '../types.js';
import { ENGINE } from '../types.js';

interface Params {
  /** Inclusive-exclusive ranges [from, to) of bad versions, e.g. ["0.0.0", "20.10.24"]. */
  vulnerable: Array<[string, string]>;
}

/** major, minor, patch of "20.10.24" / "24.0.7-rc.1" (missing or non-numeric parts are 0). */
function parts(v: string): [number, number, number] {
  const p = v.split(/[.-]/);
  return [Number.parseInt(p[0] ?? '', 10) || 0, Number.parseInt(p[1] ?? '', 10) || 0, Number.parseInt(p[2] ?? '', 10) || 0];
}

function cmp(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export const engineVersion: RuleKind<Params> = {
  kind: 'engine-version',
  describe: 'fails for every engine (this one and each node in /nodes) whose version is in a vulnerable range',
  paramsSchema: {
    type: 'object',
    required: ['vulnerable'],
    additionalProperties: false,
    properties: { vulnerable: { type: 'array', items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+' } } } },
  },
  evaluate(facts, p) {
    const engines: Array<{ target: typeof ENGINE | { kind: 'node'; id: string; name?: string }; version: string | undefined }> = [];
    if ('data' in facts.nodes) {
      for (const n of facts.nodes.data) engines.push({ target: { kind: 'node', id: n.ID, ...(n.Description?.Hostname ? { name: n.Description.Hostname } : {}) }, version: n.Description?.Engine?.EngineVersion });
    } else engines.push({ target: ENGINE, version: 'data' in facts.version ? facts.version.data.Version : 'data' in facts.info ? facts.info.data.ServerVersion : undefined });
    const ranges = p.vulnerable.map(([lo, hi]) => ({ lo, hi, from: parts(lo), to: parts(hi) }));
    // a swarm's nodes run a handful of versions: judge each once
    const judged = new Map<string, (typeof ranges)[number] | undefined>();
    return engines.map(({ target, version }) => {
      if (!version) return { status: 'unknown' as const, target, message: 'engine version not reported' };
      let r = judged.get(version);
      if (r === undefined && !judged.has(version)) {
        const v = parts(version);
        r = ranges.find((x) => cmp(v, x.from) >= 0 && cmp(v, x.to) < 0);
        judged.set(version, r);
      }
      const bad = r ? [r.lo, r.hi] : undefined;
      return bad
        ? { status: 'fail' as const, target, message: `engine ${version} is in the vulnerable range ${bad[0]} ≤ v < ${bad[1]}; upgrade` }
        : { status: 'pass' as const, target, message: `engine ${version}` };
    });
  },
};

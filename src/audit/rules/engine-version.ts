/** SW-14: engine versions affected by the encrypted-overlay advisories (GHSA-33pg-m6jh-5237, GHSA-6wrf-mxfj-pf5p). */
import type { RuleKind } from '../types.js';
import { ENGINE } from '../types.js';

interface Params {
  /** Inclusive-exclusive ranges [from, to) of bad versions, e.g. ["0.0.0", "20.10.24"]. */
  vulnerable: Array<[string, string]>;
}

function cmp(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
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
    return engines.map(({ target, version }) => {
      if (!version) return { status: 'unknown' as const, target, message: 'engine version not reported' };
      const bad = p.vulnerable.find(([lo, hi]) => cmp(version, lo) >= 0 && cmp(version, hi) < 0);
      return bad
        ? { status: 'fail' as const, target, message: `engine ${version} is in the vulnerable range ${bad[0]} ≤ v < ${bad[1]}; upgrade` }
        : { status: 'pass' as const, target, message: `engine ${version}` };
    });
  },
};

/** SW-15: engines on an end-of-life release line (medium), and mixed release lines across nodes (low). */
import type { Outcome, RuleKind } from '../types.js';
import { ENGINE } from '../types.js';
import { list, nodeTarget, unknown } from './util.js';

interface Params {
  /** Release lines (major.minor, e.g. "20.10") that are end of life. */
  eol: string[];
}

/** "20.10.24" -> "20.10", "27.3.1" -> "27.3"; undefined when not a version. */
function line(v: string | undefined): string | undefined {
  const m = v ? /^v?(\d+)\.(\d+)/.exec(v) : null;
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

export const engineEol: RuleKind<Params> = {
  kind: 'engine-eol',
  describe: 'fails for every engine whose release line (major.minor) is listed in `eol`, and (low) when the nodes run different major versions',
  paramsSchema: { type: 'object', required: ['eol'], additionalProperties: false, properties: { eol: { type: 'array', items: { type: 'string', pattern: '^\\d+\\.\\d+$' } } } },
  evaluate(facts, p) {
    const eol = new Set(p.eol.map(line));
    const engines: Array<{ target: Outcome['target']; version: string | undefined }> = 'data' in facts.nodes
      ? facts.nodes.data.map((n) => ({ target: nodeTarget(n), version: n.Description?.Engine?.EngineVersion }))
      : [{ target: ENGINE, version: 'data' in facts.version ? facts.version.data.Version : 'data' in facts.info ? facts.info.data.ServerVersion : undefined }];
    const out: Outcome[] = engines.map(({ target, version }) => {
      const l = line(version);
      if (!l) return unknown(target, version ? `engine version ${JSON.stringify(version)} is not major.minor.patch` : 'engine version not reported');
      return eol.has(l)
        ? { status: 'fail' as const, target, message: `engine ${version}: the ${l} release line is end of life and gets no security fixes; upgrade` }
        : { status: 'pass' as const, target, message: `engine ${version} (${l} is not listed as end of life)` };
    });
    if ('data' in facts.nodes && facts.nodes.data.length > 1) {
      const majors = new Map<string, string[]>();
      for (const n of facts.nodes.data) {
        const major = line(n.Description?.Engine?.EngineVersion)?.split('.')[0];
        if (!major) continue;
        const names = majors.get(major);
        if (names) names.push(n.Description?.Hostname ?? n.ID);
        else majors.set(major, [n.Description?.Hostname ?? n.ID]);
      }
      const t = { kind: 'cluster' as const, id: 'engine-versions' };
      out.push(
        majors.size > 1
          ? { status: 'fail', severity: 'low', target: t, message: `nodes run ${majors.size} engine majors: ${list([...majors].map(([m, ns]) => `${m} (${list(ns, 3)})`))}` }
          : { status: 'pass', target: t, message: `all nodes run engine major ${[...majors.keys()][0] ?? '?'}` },
      );
    }
    return out;
  },
};

/**
 * Fleet audit: many engines / swarms at once, bounded concurrency. For each
 * target the full audit (snapshot + TLS probe + policy); for each node engine
 * listed with it, that node's own /info (+ /version) evaluated with the
 * engine-scoped rules, since per-node daemon settings are only in the node's
 * own /info (audit spec 1.5). Unreachable targets and nodes are reported as
 * such (status unknown), never as a pass. IO is injected (`FleetDeps`).
 */
import { InputError } from '../errors.js';
import { defaults } from '../defaults.js';
import { mapLimit } from '../core/concurrency.js';
import { evaluatePolicy, summarize, type AuditResult, type Summary } from './evaluate.js';
import type { Policy } from './policy.js';
import { emptyFacts, normalizeFacts, SNAPSHOT_FORMAT, type EngineInfo, type Snapshot } from './snapshot.js';
import type { Finding } from './types.js';

/** TLS material for tcp:// engines: file paths, read by the caller's edge. */
export interface FleetTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface FleetTarget {
  name: string;
  engine: string;
  tls?: FleetTls;
  /** Engine URLs of the swarm's nodes (not in the API), each audited through its own /info. */
  nodes: string[];
}

export interface FleetDeps {
  /** Collect a full snapshot (TLS facts included when wanted); throw when the engine is unreachable. */
  collect(engine: string, tls: FleetTls | undefined): Promise<Snapshot>;
  /** A node's own /info and /version; throw when unreachable. */
  nodeFacts(engine: string, tls: FleetTls | undefined): Promise<{ info: EngineInfo; version?: unknown }>;
  /** Called after each target or node finishes (done of total). */
  onProgress?(done: number, total: number, label: string): void;
}

/** Where a finding comes from. */
export interface FleetScope {
  target: string;
  engine: string;
  swarmId?: string;
  /** Set on per-node findings: the node engine whose /info was read. */
  node?: string;
}
export type FleetFinding = Finding & { scope: FleetScope };

export interface FleetNodeResult {
  engine: string;
  status: 'audited' | 'unreachable';
  nodeId?: string;
  error?: string;
  findings: Finding[];
}

export interface FleetTargetResult {
  name: string;
  engine: string;
  status: 'audited' | 'unreachable';
  error?: string;
  swarmId?: string;
  result?: AuditResult;
  nodes: FleetNodeResult[];
}

export interface FleetResult {
  evaluatedAt: string;
  targets: FleetTargetResult[];
  findings: FleetFinding[];
  summary: Summary & { targets: number; unreachableTargets: number; nodes: number; unreachableNodes: number };
}

/** The rule id of the finding that stands for an engine we could not reach. */
export const UNREACHABLE_RULE = 'fleet-reachable';

const URL_RE = /^(unix:\/\/\/\S+|(tcp|https?):\/\/\S+)$/;

function bad(msg: string): InputError {
  return new InputError('ERR_AUDIT_FLEET_INVALID', `fleet file: ${msg}`);
}

/**
 * Parse a fleet file: JSON (`{"targets":[{"name","engine","tls":{ca,cert,key},"nodes":[...]}], "tls":{...}}`
 * or an array of such targets or URLs), or text with one engine URL per line (`#` comments).
 */
export function parseFleetFile(text: string): FleetTarget[] {
  const lim = defaults.audit.fleet;
  if (text.length > lim.maxFileBytes) throw bad(`larger than ${lim.maxFileBytes} bytes`);
  const trimmed = text.trim();
  let targets: FleetTarget[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      throw new InputError('ERR_AUDIT_FLEET_JSON', `fleet file is not valid JSON (${(e as Error).message}); give JSON or one engine URL per line`, { cause: e });
    }
    const list = Array.isArray(doc) ? doc : (doc as { targets?: unknown }).targets;
    if (!Array.isArray(list)) throw bad('JSON needs a "targets" array');
    const defTls = Array.isArray(doc) ? undefined : readTls((doc as { tls?: unknown }).tls, '/tls');
    targets = list.map((t, i) => readTarget(t, i, defTls));
  } else {
    targets = trimmed
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)
      .map((url, i) => readTarget(url, i, undefined));
  }
  if (targets.length === 0) throw bad('lists no engine; give one engine URL per line');
  if (targets.length > lim.maxTargets) throw bad(`lists ${targets.length} engines, more than ${lim.maxTargets}`);
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) throw bad(`target name ${JSON.stringify(t.name)} is used twice; names must be unique`);
    names.add(t.name);
  }
  return targets;
}

function readUrl(u: unknown, where: string): string {
  if (typeof u !== 'string' || !URL_RE.test(u)) throw bad(`${where} must be an engine URL (unix:///path or tcp://host:port), not ${JSON.stringify(u)?.slice(0, 80)}`);
  return u;
}

function readTls(x: unknown, where: string): FleetTls | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'object' || Array.isArray(x)) throw bad(`${where} must be an object {ca, cert, key} of file paths`);
  const out: FleetTls = {};
  for (const [k, v] of Object.entries(x)) {
    if (k !== 'ca' && k !== 'cert' && k !== 'key') throw bad(`${where}/${k} is not a TLS field (ca, cert, key)`);
    if (typeof v !== 'string' || !v) throw bad(`${where}/${k} must be a file path`);
    out[k] = v;
  }
  return out;
}

function readTarget(t: unknown, i: number, defTls: FleetTls | undefined): FleetTarget {
  const where = `/targets/${i}`;
  if (typeof t === 'string') {
    const engine = readUrl(t, where);
    return { name: engine, engine, ...(defTls ? { tls: defTls } : {}), nodes: [] };
  }
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw bad(`${where} must be an engine URL or an object {name, engine, tls, nodes}`);
  const o = t as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['name', 'engine', 'tls', 'nodes'].includes(k)) throw bad(`${where}/${k} is not a target field (name, engine, tls, nodes)`);
  const engine = readUrl(o.engine, `${where}/engine`);
  if (o.name !== undefined && (typeof o.name !== 'string' || !o.name)) throw bad(`${where}/name must be a non-empty string`);
  if (o.nodes !== undefined && !Array.isArray(o.nodes)) throw bad(`${where}/nodes must be an array of engine URLs`);
  const nodes = ((o.nodes as unknown[] | undefined) ?? []).map((n, j) => readUrl(n, `${where}/nodes/${j}`));
  if (nodes.length > defaults.audit.fleet.maxNodesPerTarget) throw bad(`${where}/nodes lists more than ${defaults.audit.fleet.maxNodesPerTarget} engines`);
  const tls = readTls(o.tls, `${where}/tls`) ?? defTls;
  return { name: (o.name as string | undefined) ?? engine, engine, ...(tls ? { tls } : {}), nodes };
}

/** Rules whose findings describe one engine (target kind `engine`) are the ones a node's own /info can answer. */
function nodeFindings(policy: Policy, engine: string, facts: { info: EngineInfo; version?: unknown }, now: Date): Finding[] {
  const f = emptyFacts(`not read from node engine ${engine} (only /info and /version are)`);
  f.info = { data: facts.info };
  if (facts.version !== undefined) f.version = { data: facts.version as Record<string, unknown> };
  const snap: Snapshot = { format: SNAPSHOT_FORMAT, source: engine, facts: normalizeFacts(f) };
  return evaluatePolicy(snap, policy, now).findings.filter((x) => x.target.kind === 'engine');
}

function unreachable(engine: string, error: string): Finding {
  return { rule: UNREACHABLE_RULE, status: 'unknown', severity: 'high', target: { kind: 'engine', id: engine }, message: `not audited: ${error}` };
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Audit every target and its nodes; never throws for one unreachable engine. */
export async function auditFleet(targets: readonly FleetTarget[], policy: Policy, deps: FleetDeps, opts: { now: Date; concurrency?: number }): Promise<FleetResult> {
  const jobs: Array<{ kind: 'target'; t: FleetTarget } | { kind: 'node'; t: FleetTarget; engine: string }> = [];
  for (const t of targets) {
    jobs.push({ kind: 'target', t });
    for (const n of t.nodes) jobs.push({ kind: 'node', t, engine: n });
  }
  const byTarget = new Map<string, FleetTargetResult>(targets.map((t) => [t.name, { name: t.name, engine: t.engine, status: 'unreachable', nodes: [] }]));
  const nodeResults = new Map<string, FleetNodeResult[]>();
  let done = 0;
  const results = await mapLimit(jobs, opts.concurrency ?? defaults.audit.fleet.concurrency, async (j) => {
    let r: FleetTargetResult | FleetNodeResult;
    if (j.kind === 'target') {
      const base = byTarget.get(j.t.name)!;
      try {
        const snap = await deps.collect(j.t.engine, j.t.tls);
        const result = evaluatePolicy(snap, policy, opts.now);
        const sw = snap.facts.swarm;
        const swarmId = 'data' in sw ? sw.data.ID : undefined;
        r = Object.assign(base, { status: 'audited' as const, result, ...(swarmId ? { swarmId } : {}) });
      } catch (e) {
        r = Object.assign(base, { status: 'unreachable' as const, error: errText(e) });
      }
    } else {
      try {
        const f = await deps.nodeFacts(j.engine, j.t.tls);
        const nodeId = f.info.Swarm?.NodeID;
        r = { engine: j.engine, status: 'audited', ...(nodeId ? { nodeId } : {}), findings: nodeFindings(policy, j.engine, f, opts.now) };
      } catch (e) {
        r = { engine: j.engine, status: 'unreachable', error: errText(e), findings: [] };
      }
    }
    deps.onProgress?.(++done, jobs.length, j.kind === 'target' ? j.t.name : j.engine);
    return { j, r };
  });
  for (const { j, r } of results) {
    if (j.kind === 'node') {
      const list = nodeResults.get(j.t.name) ?? [];
      list.push(r as FleetNodeResult);
      nodeResults.set(j.t.name, list);
    }
  }
  const findings: FleetFinding[] = [];
  const out: FleetTargetResult[] = [];
  for (const t of targets) {
    const tr = byTarget.get(t.name)!;
    tr.nodes = nodeResults.get(t.name) ?? [];
    const scope: FleetScope = { target: t.name, engine: t.engine, ...(tr.swarmId ? { swarmId: tr.swarmId } : {}) };
    if (tr.status === 'unreachable') findings.push({ ...unreachable(t.engine, tr.error ?? 'unreachable'), scope });
    for (const f of tr.result?.findings ?? []) findings.push({ ...f, scope });
    for (const n of tr.nodes) {
      const ns = { ...scope, node: n.engine };
      if (n.status === 'unreachable') findings.push({ ...unreachable(n.engine, n.error ?? 'unreachable'), scope: ns });
      for (const f of n.findings) findings.push({ ...f, scope: ns });
    }
    out.push(tr);
  }
  const nodes = out.flatMap((t) => t.nodes);
  return {
    evaluatedAt: opts.now.toISOString(),
    targets: out,
    findings,
    summary: {
      ...summarize(findings),
      targets: out.length,
      unreachableTargets: out.filter((t) => t.status === 'unreachable').length,
      nodes: nodes.length,
      unreachableNodes: nodes.filter((n) => n.status === 'unreachable').length,
    },
  };
}

/** A one-line progress bar (TTY only; the caller decides). */
export function progressBar(done: number, total: number, label: string, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`.slice(0, 120);
}

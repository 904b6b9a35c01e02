/** Small helpers shared by rule kinds. */
import type { Fact, Facts, SwarmNode, SwarmService } from '../snapshot.js';
import type { Outcome, Target } from '../types.js';

export function unknown(target: Target, why: string): Outcome {
  return { status: 'unknown', target, message: why };
}

/** The data of a fact, or the reason it is missing. */
export function factOr<T>(f: Fact<T>, name: string): { data: T } | { why: string } {
  return 'data' in f ? { data: f.data } : { why: `${name} is unavailable: ${f.unavailable}` };
}

// Paths come from policy params and are read once per service per rule: split each once.
const PATHS = new Map<string, readonly string[]>();

/** Read a dotted path (`Spec.CAConfig.NodeCertExpiry`); arrays by index. */
export function getPath(obj: unknown, dotted: string): unknown {
  let parts = PATHS.get(dotted);
  if (!parts) {
    if (PATHS.size >= 1024) PATHS.clear();
    parts = dotted.split('.');
    PATHS.set(dotted, parts);
  }
  let cur: unknown = obj;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// One frozen target per service object, shared by every service rule: a 20,000-service
// snapshot otherwise allocates a target per rule per service (bench: --only audit).
const SERVICE_TARGETS = new WeakMap<SwarmService, Target>();
// and the whole list of them per /services array, so a rule does one lookup, not one per service
const SERVICE_TARGET_LISTS = new WeakMap<readonly SwarmService[], readonly Target[]>();

export function serviceTarget(s: SwarmService): Target {
  let t = SERVICE_TARGETS.get(s);
  if (!t) {
    t = Object.freeze({ kind: 'service' as const, id: s.ID, ...(s.Spec?.Name ? { name: s.Spec.Name } : {}) });
    SERVICE_TARGETS.set(s, t);
  }
  return t;
}

function serviceTargets(services: readonly SwarmService[]): readonly Target[] {
  let ts = SERVICE_TARGET_LISTS.get(services);
  if (!ts || ts.length !== services.length) {
    ts = services.map(serviceTarget);
    SERVICE_TARGET_LISTS.set(services, ts);
  }
  return ts;
}

/**
 * Apply `each` to every service; with no services the rule passes on the
 * cluster (nothing to violate), and without /services it is unknown.
 */
export function forEachService(facts: Facts, each: (s: SwarmService, t: Target) => Outcome): Outcome[] {
  const f = factOr(facts.services, '/services');
  if ('why' in f) return [unknown({ kind: 'cluster', id: 'services' }, f.why)];
  if (f.data.length === 0) return [{ status: 'pass', target: { kind: 'cluster', id: 'services' }, message: 'no services' }];
  const services = f.data;
  const targets = serviceTargets(services);
  const out = new Array<Outcome>(services.length);
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    let t = targets[i]!;
    // the list is cached by array identity: if a caller put another service in a slot, look it up
    if (t.id !== s.ID || t.name !== (s.Spec?.Name || undefined)) t = serviceTarget(s);
    out[i] = each(s, t);
  }
  return out;
}

export function list(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;
}

export function nodeTarget(n: SwarmNode): Target {
  return { kind: 'node', id: n.ID, ...(n.Description?.Hostname ? { name: n.Description.Hostname } : {}) };
}

const DAY_MS = 86_400_000;
export function daysBetween(from: Date | string, to: Date): number {
  return (to.getTime() - new Date(from).getTime()) / DAY_MS;
}

/** The engine's API version as [major, minor], from /version (undefined when not reported). */
export function apiVersion(facts: Facts): [number, number] | undefined {
  const v = 'data' in facts.version ? facts.version.data.ApiVersion : undefined;
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function apiAtLeast(have: [number, number], want: string): boolean {
  const [a, b] = want.split('.').map(Number) as [number, number];
  return have[0] > a || (have[0] === a && have[1] >= b);
}

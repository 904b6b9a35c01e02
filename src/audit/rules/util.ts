/** Small helpers shared by rule kinds. */
import type { Fact, Facts, SwarmNode, SwarmService } from '../snapshot.js';
import type { Outcome, Severity, Target } from '../types.js';

/**
 * Outcomes built in the shape of a Finding (rule, status, severity, target, message, in that
 * order), with `rule` '' until evaluatePolicy fills it and the severity in place. The per-service
 * kinds use these: a 20,000-service swarm gives ~700,000 outcomes, and copying each into a
 * Finding doubled the allocation and GC of an evaluation (bench: --only audit). Each call makes
 * a fresh object: a kind must not return one twice.
 */
export function outcome(status: Outcome['status'], target: Target, message: string, severity?: Severity): Outcome {
  return { rule: '', status, severity, target, message } as Outcome;
}

export function pass(target: Target, message: string): Outcome {
  return outcome('pass', target, message);
}

export function fail(target: Target, message: string, severity?: Severity): Outcome {
  return outcome('fail', target, message, severity);
}

export function unknown(target: Target, why: string, severity?: Severity): Outcome {
  return outcome('unknown', target, why, severity);
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
// and the whole list of them per /services array, so a rule does one lookup, not one per service;
// `of` is a copy of the array as it was, to notice a slot a caller has since replaced
const SERVICE_TARGET_LISTS = new WeakMap<readonly SwarmService[], { of: readonly SwarmService[]; targets: readonly Target[] }>();

export function serviceTarget(s: SwarmService): Target {
  let t = SERVICE_TARGETS.get(s);
  if (!t) {
    t = Object.freeze({ kind: 'service' as const, id: s.ID, ...(s.Spec?.Name ? { name: s.Spec.Name } : {}) });
    SERVICE_TARGETS.set(s, t);
  }
  return t;
}

function serviceTargets(services: readonly SwarmService[]): { of: readonly SwarmService[]; targets: readonly Target[] } {
  let e = SERVICE_TARGET_LISTS.get(services);
  if (!e || e.of.length !== services.length) {
    e = { of: services.slice(), targets: services.map(serviceTarget) };
    SERVICE_TARGET_LISTS.set(services, e);
  }
  return e;
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
  const { of, targets } = serviceTargets(services);
  const out = new Array<Outcome>(services.length);
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    out[i] = each(s, of[i] === s ? targets[i]! : serviceTarget(s));
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

const text = (e: unknown): string => (typeof e === 'string' ? e : JSON.stringify(e));

// Patterns come from policy params: compile each once, not once per service and element
// (no flags, so `test` keeps no state between calls).
const PATTERNS = new Map<string, RegExp>();
function pattern(x: unknown): RegExp {
  const src = String(x);
  let re = PATTERNS.get(src);
  if (!re) {
    if (PATTERNS.size >= 256) PATTERNS.clear();
    re = new RegExp(src);
    PATTERNS.set(src, re);
  }
  return re;
}

/** Comparison operators shared by the `field` and `service-field` kinds (one table, no switch). */
export const OPS = {
  equals: (v: unknown, x: unknown) => v === x,
  notEquals: (v: unknown, x: unknown) => v !== x,
  // an absent field compares as null, so policies can list it
  in: (v: unknown, x: unknown) => Array.isArray(x) && x.includes(v ?? null),
  notIn: (v: unknown, x: unknown) => Array.isArray(x) && !x.includes(v ?? null),
  truthy: (v: unknown) => Boolean(v) && !(Array.isArray(v) && v.length === 0),
  nonEmpty: (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v.length > 0 : v !== null && v !== undefined),
  positive: (v: unknown) => typeof v === 'number' && v > 0,
  atMost: (v: unknown, x: unknown) => typeof v === 'number' && typeof x === 'number' && v <= x,
  atLeast: (v: unknown, x: unknown) => typeof v === 'number' && typeof x === 'number' && v >= x,
  anyMatches: (v: unknown, x: unknown) => Array.isArray(v) && v.some((e) => pattern(x).test(text(e))),
  noneMatches: (v: unknown, x: unknown) => !Array.isArray(v) || !v.some((e) => pattern(x).test(text(e))),
} as const satisfies Record<string, (v: unknown, x: unknown) => boolean>;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];

/** Operators for which an absent field is a fact ("not set"), not an unknown. */
export const ABSENT_IS_FACT: ReadonlySet<OpName> = new Set(['truthy', 'nonEmpty', 'positive', 'noneMatches', 'anyMatches', 'notEquals', 'notIn']);

export function show(v: unknown): string {
  if (v === undefined) return 'not set';
  const s = JSON.stringify(v);
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

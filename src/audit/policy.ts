/**
 * Policies as data: parse, validate (ajv, allErrors: every bad field of every
 * file at once), normalize. Several files merge into one Policy: rules are
 * added (a duplicate id is an error), `disable`, `severity` and `waivers`
 * accumulate. Check params are validated against their kind's own schema in
 * the same pass.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { defaults } from '../defaults.js';
import { type Severity } from './severity.js';
import { RULE_KINDS } from './rules/index.js';
import { builtinPolicyDir, policyValidators, type AjvError } from './policy-validators.js';

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  rationale: string;
  remediation: string;
  references: string[];
  check: { kind: string; params: Record<string, unknown> };
  /** The file it came from. */
  source: string;
}

export interface Waiver {
  rule: string;
  target?: string;
  reason: string;
  expires: string;
  source: string;
}

export interface Policy {
  rules: Rule[];
  disable: Set<string>;
  severity: Map<string, Severity>;
  waivers: Waiver[];
  sources: string[];
}

interface PolicyInput {
  name: string;
  rules?: Array<Omit<Rule, 'source' | 'references' | 'check'> & { references?: string[]; check: { kind: string; params?: Record<string, unknown> } }>;
  disable?: string[];
  severity?: Record<string, Severity>;
  waivers?: Array<Omit<Waiver, 'source'>>;
}

export { builtinPolicyDir } from './policy-validators.js';

function fmt(e: AjvError, prefix = ''): string {
  const extra = e.params?.additionalProperty ? ` (${String(e.params.additionalProperty)})` : e.params?.allowedValues ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
  return `${prefix}${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
}

/** Validate one parsed document; returns the problems (empty when valid) as `path message` strings. */
export async function validatePolicyDoc(doc: unknown): Promise<string[]> {
  const v = await policyValidators();
  const problems: string[] = [];
  if (!v.policy(doc)) problems.push(...(v.policy.errors ?? []).map((e) => fmt(e)));
  const rules = (doc as PolicyInput | null)?.rules;
  if (Array.isArray(rules)) {
    rules.forEach((r, i) => {
      const kind = r?.check?.kind;
      if (typeof kind !== 'string') return;
      const pv = v.kinds.get(kind);
      if (!pv) {
        problems.push(`/rules/${i}/check/kind ${JSON.stringify(kind)} is not a rule kind (${[...RULE_KINDS.keys()].join(', ')})`);
        return;
      }
      if (!pv(r.check.params ?? {})) problems.push(...(pv.errors ?? []).map((e) => fmt(e, `/rules/${i}/check/params`)));
    });
  }
  return [...new Set(problems)];
}

function policyFiles(p: string): string[] {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw new InputError('ERR_AUDIT_POLICY_READ', `cannot read policy ${p} (${(e as NodeJS.ErrnoException).code ?? 'EIO'}); check the path`, { cause: e });
  }
  if (!st.isDirectory()) return [p];
  return readdirSync(p)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .sort()
    .map((f) => path.join(p, f));
}

/**
 * Load policies: the shipped default pack (unless `builtin` is false) plus
 * every extra file or directory, merged. All problems of all files are
 * reported in one ERR_AUDIT_POLICY_INVALID.
 */
export async function loadPolicy(extra: string[] = [], opts: { builtin?: boolean } = {}): Promise<Policy> {
  const files = [
    ...(opts.builtin === false ? [] : defaults.audit.defaultPolicyFiles.map((f) => path.join(builtinPolicyDir(), f))),
    ...extra.flatMap(policyFiles),
  ];
  const policy: Policy = { rules: [], disable: new Set(), severity: new Map(), waivers: [], sources: files };
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let doc: unknown;
    try {
      const text = readFileSync(file, 'utf8');
      if (text.length > defaults.audit.maxPolicyFileBytes) throw new InputError('ERR_AUDIT_POLICY_READ', `${file} is larger than ${defaults.audit.maxPolicyFileBytes} bytes`);
      doc = JSON.parse(text);
    } catch (e) {
      if (e instanceof SyntaxError) {
        problems.push(`${file}: not valid JSON (${e.message})`);
        continue;
      }
      if (e instanceof InputError) throw e;
      throw new InputError('ERR_AUDIT_POLICY_READ', `cannot read policy ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`, { cause: e });
    }
    const bad = await validatePolicyDoc(doc);
    if (bad.length) {
      problems.push(...bad.map((b) => `${file}: ${b}`));
      continue;
    }
    const d = doc as PolicyInput;
    for (const r of d.rules ?? []) {
      if (seen.has(r.id)) {
        problems.push(`${file}: rule ${r.id} is already defined in ${seen.get(r.id)}`);
        continue;
      }
      seen.set(r.id, file);
      policy.rules.push({ ...r, references: r.references ?? [], check: { kind: r.check.kind, params: r.check.params ?? {} }, source: file });
    }
    for (const id of d.disable ?? []) policy.disable.add(id);
    for (const [id, sev] of Object.entries(d.severity ?? {})) policy.severity.set(id, sev);
    for (const w of d.waivers ?? []) policy.waivers.push({ ...w, source: file });
  }
  if (problems.length) throw new InputError('ERR_AUDIT_POLICY_INVALID', `invalid policy: ${problems.join('; ')}; fix these fields`, { details: { problems } });
  return policy;
}

/** Apply command-line operators on top of the loaded policy; unknown rule ids are a usage mistake. */
export function applyOverrides(policy: Policy, o: { disable?: string[]; severity?: Array<[string, Severity]> }): Policy {
  const ids = new Set(policy.rules.map((r) => r.id));
  const unknownIds = [...(o.disable ?? []), ...(o.severity ?? []).map(([id]) => id)].filter((id) => !ids.has(id));
  if (unknownIds.length) throw new InputError('ERR_AUDIT_UNKNOWN_RULE', `no such rule: ${unknownIds.join(', ')}; see swarmguard audit rules`);
  for (const id of o.disable ?? []) policy.disable.add(id);
  for (const [id, s] of o.severity ?? []) policy.severity.set(id, s);
  return policy;
}

/**
 * The validators of policy files: the policy schema and each rule kind's params schema,
 * compiled by ajv. Compiling some forty schemas took a quarter of every `swarmguard audit`,
 * so the build also writes them out as plain code (ajv's standalone mode,
 * `policy-validators.generated.cjs` next to this file) and `policyValidators` uses that
 * when its fingerprint matches the schemas in hand; otherwise (no build step, a schema
 * changed since) it compiles them as before. Both are the same ajv code.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULE_KINDS } from './rules/index.js';

export type AjvError = { instancePath: string; message?: string; params?: Record<string, unknown> };
export type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

export interface PolicyValidators {
  policy: Validator;
  kinds: Map<string, Validator>;
  /** Where they came from: the build's generated module, or compiled now. */
  origin: 'generated' | 'compiled';
}

interface AjvLike {
  compile(s: object): Validator;
  addSchema(s: object, key: string): unknown;
}

export const GENERATED_FILE = 'policy-validators.generated.cjs';
const here = path.dirname(fileURLToPath(import.meta.url));

/** policies/ at the package root (dist/src/audit → ../../..). */
export function builtinPolicyDir(): string {
  return path.resolve(here, '..', '..', '..', 'policies');
}

export function readPolicySchema(): object {
  return JSON.parse(readFileSync(path.join(builtinPolicyDir(), 'policy.schema.json'), 'utf8')) as object;
}

/** sha256 over the policy schema and every kind's params schema, in kind order. */
export function schemaFingerprint(policySchema: object): string {
  const h = createHash('sha256').update(JSON.stringify(policySchema));
  for (const [k, v] of [...RULE_KINDS].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`\0${k}\0${JSON.stringify(v.paramsSchema)}`);
  return h.digest('hex');
}

async function newAjv(source: boolean): Promise<AjvLike> {
  const { default: Ajv } = await import('ajv');
  // meta: false / validateSchema: false: our schemas are our own code and data, checked against
  // draft-07 by a test; the meta-schema would cost a third of the compile time
  return new (Ajv as unknown as new (o: object) => AjvLike)({ allErrors: true, strict: false, validateSchema: false, meta: false, ...(source ? { code: { source: true } } : {}) });
}

const exportName = (i: number): string => `kind${i}`;

/** Compile every validator now (the fallback). */
export async function compileValidators(policySchema: object): Promise<PolicyValidators> {
  const ajv = await newAjv(false);
  return { policy: ajv.compile(policySchema), kinds: new Map([...RULE_KINDS].map(([k, v]) => [k, ajv.compile(v.paramsSchema)])), origin: 'compiled' };
}

/** The CommonJS module the build writes: every validator as code, plus the fingerprint and the kind names. */
export async function generatedModule(policySchema: object): Promise<string> {
  const ajv = await newAjv(true);
  const kinds = [...RULE_KINDS.keys()];
  ajv.addSchema(policySchema, 'policy');
  kinds.forEach((k, i) => ajv.addSchema(RULE_KINDS.get(k)!.paramsSchema, exportName(i)));
  const { default: standaloneCode } = (await import('ajv/dist/standalone/index.js')) as unknown as { default: (a: unknown, refs: Record<string, string>) => string };
  const code = standaloneCode(ajv, { policy: 'policy', ...Object.fromEntries(kinds.map((_, i) => [exportName(i), exportName(i)])) });
  return `${code}\nexports.fingerprint = ${JSON.stringify(schemaFingerprint(policySchema))};\nexports.kindNames = ${JSON.stringify(kinds)};\n`;
}

/** The build's validators when present and current, else undefined. */
export function loadGenerated(policySchema: object, file = path.join(here, GENERATED_FILE)): PolicyValidators | undefined {
  let mod: Record<string, unknown>;
  try {
    mod = createRequire(import.meta.url)(file) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const names = mod.kindNames;
  if (mod.fingerprint !== schemaFingerprint(policySchema) || !Array.isArray(names) || typeof mod.policy !== 'function') return undefined;
  const kinds = new Map<string, Validator>();
  for (const [i, k] of names.entries()) {
    const v = mod[exportName(i)];
    if (typeof k !== 'string' || typeof v !== 'function') return undefined;
    kinds.set(k, v as Validator);
  }
  return { policy: mod.policy as Validator, kinds, origin: 'generated' };
}

let cached: Promise<PolicyValidators> | undefined;

/** The validators for this process: generated when current, compiled otherwise. */
export function policyValidators(): Promise<PolicyValidators> {
  return (cached ??= (async () => {
    const schema = readPolicySchema();
    return loadGenerated(schema) ?? compileValidators(schema);
  })());
}

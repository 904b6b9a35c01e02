/**
 * The cfssl API response envelope (spec 5.3): `{success, result, errors,
 * messages}`. SwarmKit reads `success` and `result.certificate`; the order
 * and spelling of the fields follow cfssl's api.Response.
 */
import type { CfsslFailure } from './errors.js';

export interface CfsslEnvelope {
  success: boolean;
  result: { certificate: string } | null;
  errors: Array<{ code: number; message: string }>;
  messages: Array<{ code: number; message: string }>;
}

export function successBody(certificatePem: string): string {
  // hand-assembled: one JSON.stringify of the PEM instead of the whole object (hot path)
  return `{"success":true,"result":{"certificate":${JSON.stringify(certificatePem)}},"errors":[],"messages":[]}\n`;
}

export function failureBody(f: CfsslFailure): string {
  const env: CfsslEnvelope = { success: false, result: null, errors: [{ code: f.code, message: f.message }], messages: [] };
  return JSON.stringify(env) + '\n';
}

/** Parse and shape-check an envelope (clients, tests, the benchmark). Undefined when it is not one. */
export function parseEnvelope(text: string): CfsslEnvelope | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  const isMsgs = (v: unknown): boolean =>
    Array.isArray(v) && v.every((m) => typeof m === 'object' && m !== null && typeof (m as { code?: unknown }).code === 'number' && typeof (m as { message?: unknown }).message === 'string');
  if (typeof d.success !== 'boolean' || !isMsgs(d.errors) || !isMsgs(d.messages)) return undefined;
  if (d.success) {
    const r = d.result as { certificate?: unknown } | null;
    if (typeof r !== 'object' || r === null || typeof r.certificate !== 'string') return undefined;
  } else if (d.result !== null || (d.errors as unknown[]).length === 0) return undefined;
  return d as unknown as CfsslEnvelope;
}

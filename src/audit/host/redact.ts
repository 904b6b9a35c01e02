/**
 * Keep credentials out of host facts: log-opts such as splunk-token and URLs
 * with a password (registry mirrors, cluster store) can sit in dockerd's argv
 * and daemon.json.
 */
import { redactedValue, secretLikeEnvName } from '../snapshot.js';

const URL_PASSWORD = /(:\/\/[^:/@\s]*:)([^@\s]+)@/g;

export function scrubString(s: string): string {
  const out = s.replace(URL_PASSWORD, (_m, pre: string, pw: string) => `${pre}${redactedValue(pw)}@`);
  const eq = out.indexOf('=');
  if (eq <= 0) return out;
  const key = out.slice(0, eq);
  const rest = out.slice(eq + 1);
  // --log-opt=splunk-token=...: scrub what the flag carries
  if (key.startsWith('-')) return `${key}=${scrubString(rest)}`;
  // key=value pairs (--log-opt splunk-token=..., --label, --storage-opt)
  return secretLikeEnvName(key.replace(/-/g, '_')) && !rest.startsWith('<redacted') ? `${key}=${redactedValue(rest)}` : out;
}

/** Deep copy with every string scrubbed and values under secret-like keys redacted. */
export function scrub<T>(v: T): T {
  if (typeof v === 'string') return scrubString(v) as T;
  if (Array.isArray(v)) return v.map((x) => scrub(x)) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, typeof x === 'string' && secretLikeEnvName(k.replace(/-/g, '_')) && !x.startsWith('<redacted') ? redactedValue(x) : scrub(x)]),
    ) as T;
  }
  return v;
}

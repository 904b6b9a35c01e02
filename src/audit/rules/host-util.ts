/** Helpers shared by the rule kinds that read host facts. */
import type { Facts } from '../snapshot.js';
import type { FileFact, HostFacts, Setting } from '../host/types.js';
import type { Outcome, Target } from '../types.js';

export const HOST_ENGINE: Target = { kind: 'engine', id: 'engine' };

/** The host facts, or why there are none (a remote engine, a snapshot without host.json). */
export function hostOr(facts: Facts): { data: HostFacts } | { why: string } {
  const h = facts.host;
  if (!h) return { why: 'no host facts: audited remotely, or a snapshot without host.json (run swarmguard audit on the node itself)' };
  if ('unavailable' in h) return { why: `no host facts: ${h.unavailable}` };
  return { data: h.data };
}

/** A setting with what a rule must know to trust it, or why it cannot. */
export function settingOr(h: HostFacts, key: string): { setting: Setting } | { why: string } {
  if ('unavailable' in h.daemon) return { why: `the daemon's flags are unknown: ${h.daemon.unavailable}` };
  const s = h.settings[key];
  if (s?.source === 'flag' || s?.source === 'override') return { setting: s };
  if (h.configFile.error) return { why: `${key} may be set in ${h.configFile.path}, which cannot be used: ${h.configFile.error}` };
  if (!s) return { why: `${key} is neither a flag of the daemon nor in ${h.configFile.path}, and has no known default` };
  return { setting: s };
}

export function describeSetting(key: string, s: Setting): string {
  const v = JSON.stringify(s.value);
  if (s.source === 'default') return `${key} is ${v} (dockerd's default: not set as a flag or in daemon.json)`;
  if (s.source === 'flag') return `${key} is ${v} (command line ${s.from ?? ''})`.replace(' )', ')');
  if (s.source === 'override') return `${key} is ${v} (${s.from ?? 'given to swarmguard'})`;
  return `${key} is ${v} (daemon.json${s.from && s.from !== key ? `, ${s.from}` : ''})`;
}

export const octal = (m: number): string => `0${m.toString(8).padStart(3, '0')}`;

export function owner(f: FileFact): string {
  return `${f.user ?? f.uid}:${f.group ?? f.gid}`;
}

export function unknownHost(target: Target, why: string): Outcome[] {
  return [{ status: 'unknown', target, message: why }];
}

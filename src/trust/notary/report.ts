/**
 * What a verified Notary repository looks like to a person: every role and
 * delegation with its keys, threshold and expiry, the expiry horizon, and
 * warnings before anything expires. Pure: built from a trusted set and `now`.
 */
import { defaults } from '../../defaults.js';
import { commonName } from './root.js';
import { decodeKey, type NotaryKey } from './keys.js';
import type { NotaryTrustedSet } from './trusted-set.js';

export interface KeyView {
  keyId: string;
  canonicalId: string;
  keytype: string;
  /** Certificate CN (x509 keys). */
  name?: string;
  certNotAfter?: string;
  problem?: string;
}

export interface RoleView {
  name: string;
  version: number;
  expires: string;
  threshold: number;
  keys: KeyView[];
  /** Key IDs whose signatures counted. */
  signers: string[];
  /** Delegations: effective path prefixes ("" = every name). */
  paths?: string[];
  targets?: number;
}

export interface HorizonItem {
  what: string;
  expires: string;
  inDays: number;
}

export interface RepositoryView {
  gun: string;
  roles: RoleView[];
  skipped: Array<{ name: string; code: string; reason: string }>;
  horizon: HorizonItem[];
  warnings: string[];
}

function keyViews(table: Map<string, NotaryKey>, ids: readonly string[]): KeyView[] {
  return ids.map((id) => {
    const k = table.get(id);
    if (!k) return { keyId: id, canonicalId: id, keytype: 'unknown', problem: 'not defined' };
    const d = decodeKey(k);
    const leaf = d.certs?.[0];
    const cn = leaf ? commonName(leaf) : undefined;
    return {
      keyId: id,
      canonicalId: d.canonicalId,
      keytype: d.keytype,
      ...(cn !== undefined ? { name: cn } : {}),
      ...(leaf ? { certNotAfter: leaf.notAfter.toISOString() } : {}),
      ...(d.problem ? { problem: d.problem } : {}),
    };
  });
}

const days = (t: Date, now: Date): number => Math.floor((t.getTime() - now.getTime()) / 86_400_000);

export function describeRepository(set: NotaryTrustedSet, now: Date): RepositoryView {
  const root = set.root.signed;
  const roles: RoleView[] = [];
  const top = (name: 'root' | 'timestamp' | 'snapshot', version: number, expires: Date): void => {
    const spec = root.roles[name];
    roles.push({ name, version, expires: expires.toISOString(), threshold: spec.threshold, keys: keyViews(root.keys, spec.keyids), signers: set.signers(name) });
  };
  top('root', root.version, root.expires);
  for (const r of set.targetsRoles.values()) {
    const t = r.metadata.signed;
    const table = r.parent ? set.targetsRoles.get(r.parent)!.metadata.signed.delegations.keys : root.keys;
    roles.push({
      name: r.name,
      version: t.version,
      expires: t.expires.toISOString(),
      threshold: r.threshold,
      keys: keyViews(table, r.keyIds),
      signers: r.signers,
      ...(r.parent ? { paths: r.paths } : {}),
      targets: t.targets.size,
    });
  }
  if (set.snapshot) top('snapshot', set.snapshot.signed.version, set.snapshot.signed.expires);
  if (set.timestamp) top('timestamp', set.timestamp.signed.version, set.timestamp.signed.expires);

  const horizon: HorizonItem[] = [];
  const warnings: string[] = [];
  const L = defaults.trust.notary;
  for (const r of roles) {
    const exp = new Date(r.expires);
    horizon.push({ what: `${r.name} metadata (v${r.version})`, expires: r.expires, inDays: days(exp, now) });
    const window = r.name === 'timestamp' ? L.timestampWarnMs : L.metadataWarnMs;
    if (exp.getTime() - now.getTime() < window) {
      warnings.push(`${r.name} expires ${r.expires} (in ${days(exp, now)} days)${r.name === 'timestamp' ? '; the server re-signs it when asked, a stale copy means a frozen mirror' : '; re-sign and publish it before then'}`);
    }
    for (const k of r.keys) {
      if (!k.certNotAfter) continue;
      const na = new Date(k.certNotAfter);
      horizon.push({ what: `${r.name} key ${k.keyId.slice(0, 12)}… certificate${k.name ? ` (${k.name})` : ''}`, expires: k.certNotAfter, inDays: days(na, now) });
      if (na.getTime() - now.getTime() < L.certWarnMs) {
        warnings.push(`the ${r.name} certificate ${k.keyId.slice(0, 12)}…${k.name ? ` (${k.name})` : ''} expires ${k.certNotAfter} (in ${days(na, now)} days); ${r.name.startsWith('targets/') ? 'replace the delegation key (notary delegation add GUN ' + r.name + ' NEW.crt, then remove the old key)' : `rotate the key (notary key rotate GUN ${r.name})`}`);
      }
    }
  }
  for (const s of set.skipped) if (s.code !== 'UNPUBLISHED') warnings.push(`${s.name} was not used: ${s.reason}`);
  // ISO 8601 UTC strings order as code units; localeCompare would load ICU's collator (~12 ms at CLI start-up).
  horizon.sort((a, b) => (a.expires < b.expires ? -1 : a.expires > b.expires ? 1 : 0));
  return { gun: set.gun, roles, skipped: set.skipped.map((s) => ({ name: s.name, code: s.code, reason: s.reason })), horizon, warnings };
}

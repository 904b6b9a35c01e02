/**
 * Tag → signed digest, Docker's way (spec §9): ask `targets/releases`, then
 * `targets`, and refuse a tag that only other roles sign. A role "has" a tag
 * only when the tag lies inside the role's effective path prefixes.
 */
import { refuse } from '../errors.js';
import { defaults } from '../../defaults.js';
import { commonName } from './root.js';
import { decodeKey } from './keys.js';
import type { FileMeta } from './metadata.js';
import type { NotaryTrustedSet, VerifiedRole } from './trusted-set.js';

export interface SignerInfo {
  keyId: string;
  /** spec §5: the SPKI-based ID `notary key list` and `docker trust` print. */
  canonicalId: string;
  keytype: string;
  /** The certificate's CN, for x509 keys (a signer's name in `docker trust signer add`). */
  name?: string;
}

export interface SignedTarget {
  name: string;
  /** The role whose signed file answered. */
  role: string;
  length: number;
  /** Hash name → lowercase hex. */
  hashes: Record<string, string>;
  /** `sha256:<hex>`: the manifest digest Docker pulls. */
  digest: string;
  signers: SignerInfo[];
  /** Other verified roles that sign the same name with the same sha256 (attribution, as `docker trust inspect`). */
  alsoSignedBy: string[];
  custom?: unknown;
}

/** A target as one role lists it, if the role may sign that name. */
function hit(role: VerifiedRole | undefined, name: string): FileMeta | undefined {
  if (!role) return undefined;
  const meta = role.metadata.signed.targets.get(name);
  if (!meta) return undefined;
  return role.paths.some((p) => name.startsWith(p)) ? meta : undefined;
}

function hexHashes(meta: FileMeta): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of meta.hashes) out[k] = v.toString('hex');
  return out;
}

/** Who signed a verified role: its counted key IDs, decoded from the table that authorises it. */
export function signerInfo(ts: NotaryTrustedSet, role: VerifiedRole): SignerInfo[] {
  const table = role.parent ? ts.targetsRoles.get(role.parent)?.metadata.signed.delegations.keys : ts.root.signed.keys;
  return role.signers.map((id) => {
    const k = table?.get(id);
    if (!k) return { keyId: id, canonicalId: id, keytype: 'unknown' };
    const d = decodeKey(k);
    const cn = d.certs?.[0] ? commonName(d.certs[0]) : undefined;
    return { keyId: id, canonicalId: d.canonicalId, keytype: d.keytype, ...(cn !== undefined ? { name: cn } : {}) };
  });
}

function answer(ts: NotaryTrustedSet, role: VerifiedRole, name: string, meta: FileMeta): SignedTarget {
  const sha256 = meta.hashes.get('sha256');
  if (!sha256) {
    throw refuse('ERR_TRUST_MALFORMED', role.name, `${role.name}: ${JSON.stringify(name)} has no sha256; Docker needs the sha256 manifest digest`);
  }
  const alsoSignedBy = [...ts.targetsRoles.values()]
    .filter((r) => r.name !== role.name && hit(r, name)?.hashes.get('sha256')?.equals(sha256))
    .map((r) => r.name);
  return {
    name,
    role: role.name,
    length: meta.length,
    hashes: hexHashes(meta),
    digest: `sha256:${sha256.toString('hex')}`,
    signers: signerInfo(ts, role),
    alsoSignedBy,
    ...(meta.custom !== undefined ? { custom: meta.custom } : {}),
  };
}

/** Descendants of `root` among verified roles, breadth-first (Go's walk order). */
function subtree(ts: NotaryTrustedSet, root: string): VerifiedRole[] {
  const out: VerifiedRole[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const r of ts.targetsRoles.values()) {
      if (r.parent === name) {
        out.push(r);
        queue.push(r.name);
      }
    }
  }
  return out;
}

/**
 * Resolve `tag` as `docker pull` with content trust does. Refusals:
 * ERR_TRUST_ROLE_CONFUSION (signed only in a role Docker ignores),
 * ERR_TRUST_DELEGATION_PATH (listed only outside a role's paths),
 * ERR_TRUST_NOT_SIGNED, or the error of a skipped `targets/releases`.
 */
export function resolveDockerTag(ts: NotaryTrustedSet, tag: string): SignedTarget {
  if (!ts.complete) throw new TypeError('resolveDockerTag: the trusted set is not complete (verify targets and every delegation first)');
  const [releasesName, targetsName] = defaults.trust.notary.dockerRoles as [string, string];
  // Docker would fall back to `targets` when targets/releases is expired or under-signed; we refuse instead.
  const skippedReleases = ts.skipped.find((s) => s.name === releasesName && s.error);
  if (skippedReleases?.error) throw skippedReleases.error;

  const releases = ts.targetsRoles.get(releasesName);
  const inReleases = hit(releases, tag);
  if (releases && inReleases) return answer(ts, releases, tag, inReleases);
  // Go's GetTargetByName walks the releases subtree first; Docker then refuses a hit below targets/releases.
  const below = subtree(ts, releasesName).find((r) => hit(r, tag));
  if (below) {
    throw refuse('ERR_TRUST_ROLE_CONFUSION', below.name, `${tag}: signed in ${below.name}, below ${releasesName}; Docker trusts only ${releasesName} and ${targetsName}`, {
      tag,
      roles: [below.name],
    });
  }
  const targets = ts.targetsRoles.get(targetsName)!;
  const inTargets = hit(targets, tag);
  if (inTargets) return answer(ts, targets, tag, inTargets);

  const elsewhere = [...ts.targetsRoles.values()].filter((r) => hit(r, tag)).map((r) => r.name);
  if (elsewhere.length > 0) {
    throw refuse(
      'ERR_TRUST_ROLE_CONFUSION',
      elsewhere[0],
      `${tag}: signed only in ${elsewhere.join(', ')}; Docker trusts only ${releasesName} and ${targetsName}, so the tag has no trust data for a pull`,
      { tag, roles: elsewhere },
    );
  }
  const outside = [...ts.targetsRoles.values()].filter((r) => r.metadata.signed.targets.has(tag)).map((r) => r.name);
  if (outside.length > 0) {
    throw refuse(
      'ERR_TRUST_DELEGATION_PATH',
      outside[0],
      `${tag}: listed by ${outside.join(', ')}, but outside the paths that role was delegated; a delegate may sign only names its parent allowed`,
      { tag, roles: outside },
    );
  }
  throw refuse('ERR_TRUST_NOT_SIGNED', undefined, `${tag}: not signed in ${releasesName} or ${targetsName} of ${ts.gun}; there is no trust data for this tag`, { tag });
}

export interface ListedTarget {
  name: string;
  role: string;
  length: number;
  digest?: string;
  hashes: Record<string, string>;
}

/** Every name each verified role may sign (as `notary list`, one row per role and name). */
export function listTargets(ts: NotaryTrustedSet): ListedTarget[] {
  const out: ListedTarget[] = [];
  for (const r of ts.targetsRoles.values()) {
    for (const [name, meta] of r.metadata.signed.targets) {
      if (!r.paths.some((p) => name.startsWith(p))) continue;
      const sha = meta.hashes.get('sha256');
      out.push({ name, role: r.name, length: meta.length, hashes: hexHashes(meta), ...(sha ? { digest: `sha256:${sha.toString('hex')}` } : {}) });
    }
  }
  return out;
}

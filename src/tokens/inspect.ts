/**
 * `inspectJoinToken`: the parts of a token (secret redacted), the root it
 * expects and, given a swarm's current state, whether it is that swarm's
 * current worker or manager token. Pure over loaded material.
 */
import { digestMatches, parseJoinToken, tokenFingerprint, type JoinRole } from './join-token.js';
import type { RootBundle } from './root-bundle.js';
import type { TokenAge } from './seen.js';
import { currentRoleOf, type SwarmView } from './swarm.js';
import { timingSafeEqual } from 'node:crypto';

export interface JoinTokenInspection {
  fingerprint: string;
  version: 1 | 2;
  fips: boolean;
  /** The digest part as written (public: it is the hash of a public certificate bundle). */
  digestPart: string;
  expectedRootDigest: string;
  /** Never the secret: its length and a note. */
  secret: { chars: number; bits: number; value: '[redacted]' };
  root?: { given: string; match: boolean };
  swarm?: {
    clusterId: string;
    /** worker / manager when the token is that role's current token; null when it is stale or foreign. */
    currentRole: JoinRole | null;
    /** The swarm's trust root is the one the token expects. */
    rootMatch: boolean;
    age?: TokenAge;
  };
}

export function inspectJoinToken(token: string, context: { root?: RootBundle; swarm?: SwarmView; ages?: Partial<Record<JoinRole, TokenAge>> } = {}): JoinTokenInspection {
  const t = parseJoinToken(token);
  const out: JoinTokenInspection = {
    fingerprint: tokenFingerprint(token),
    version: t.version,
    fips: t.fips,
    digestPart: t.digestPart,
    expectedRootDigest: `sha256:${t.rootDigestHex}`,
    secret: { chars: t.secretPart.length, bits: 128, value: '[redacted]' },
  };
  if (context.root) {
    out.root = { given: `sha256:${context.root.digestHex}`, match: timingSafeEqual(Buffer.from(t.rootDigestHex, 'hex'), Buffer.from(context.root.digestHex, 'hex')) };
  }
  if (context.swarm) {
    const role = currentRoleOf(token, context.swarm);
    const age = role ? context.ages?.[role] : undefined;
    out.swarm = { clusterId: context.swarm.clusterId, currentRole: role ?? null, rootMatch: digestMatches(t, context.swarm.trustRootPem), ...(age ? { age } : {}) };
  }
  return out;
}

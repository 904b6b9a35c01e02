/**
 * `verifyJoinToken`: does this token name this trust root? Pure and
 * synchronous over material already loaded (STYLE habit 3).
 */
import { timingSafeEqual } from 'node:crypto';
import { parseJoinToken, tokenFingerprint, type JoinToken } from './join-token.js';
import type { RootBundle } from './root-bundle.js';

export interface JoinTokenVerdict {
  /** True when the digest part is the SHA-256 of the given root bundle. */
  match: boolean;
  /** sha256(token), shortened: the token's public name. */
  fingerprint: string;
  version: 1 | 2;
  fips: boolean;
  /** The root digest the token expects (`sha256:<hex>`). */
  expectedRootDigest: string;
  /** The digest of the root bundle given (`sha256:<hex>`). */
  givenRootDigest: string;
  /** On a mismatch: the given file would match once re-encoded as SwarmKit writes it (an edited copy of the right root). */
  matchesCanonicalLayout?: boolean;
  /** Why the given bundle's bytes may not be the ones SwarmKit hashed. */
  layoutNote?: string;
}

/** Parse (ERR_TOKEN_MALFORMED on bad input) and compare the digest in constant time. */
export function verifyJoinToken(token: string | JoinToken, root: RootBundle): JoinTokenVerdict {
  const parsed = typeof token === 'string' ? parseJoinToken(token) : token;
  const expected = Buffer.from(parsed.rootDigestHex, 'hex');
  const match = timingSafeEqual(expected, Buffer.from(root.digestHex, 'hex'));
  const verdict: JoinTokenVerdict = {
    match,
    fingerprint: typeof token === 'string' ? tokenFingerprint(token) : tokenFingerprint(formatParsed(parsed)),
    version: parsed.version,
    fips: parsed.fips,
    expectedRootDigest: `sha256:${parsed.rootDigestHex}`,
    givenRootDigest: `sha256:${root.digestHex}`,
  };
  if (!match) {
    verdict.matchesCanonicalLayout = timingSafeEqual(expected, Buffer.from(root.canonicalDigestHex, 'hex'));
    if (root.layoutNote) verdict.layoutNote = root.layoutNote;
  }
  return verdict;
}

/** The token string back from its parts (the parser accepts exactly one spelling). */
export function formatParsed(t: JoinToken): string {
  const head = t.version === 2 ? `SWMTKN-2-${t.fips ? 1 : 0}` : 'SWMTKN-1';
  return `${head}-${t.digestPart}-${t.secretPart}`;
}

/**
 * Limits and fixed names of image-trust verification, in one object
 * (STYLE habit 7). Facts from ../shared/specs/notary-tuf.md are cited by section.
 */
const KIB = 1024;
const MIB = 1024 * KIB;
const DAY = 24 * 60 * 60_000;

export const trustLimits = Object.freeze({
  notary: {
    /** spec §8: the Go client caps timestamp.json at 1 MiB. */
    maxTimestampBytes: 1 * MIB,
    /** spec §8: Go allows 100 MiB for root.json; real roots are a few KiB, go-tuf caps at 512,000 bytes. */
    maxRootBytes: 2 * MIB,
    /** Snapshot, targets and delegations are capped by the length their parent lists, and never above this. */
    maxMetadataBytes: 64 * MIB,
    /** Longest root rotation chain walked in one update (N.root.json files). */
    maxRootRotations: 1_000,
    /** Delegated roles visited per update, and how deep they may nest. */
    maxDelegations: 1_000,
    maxDelegationDepth: 16,
    /** spec §4: delegation role names: charset, length. */
    delegationNameMax: 255,
    /** Nesting depth accepted by the strict JSON parser. */
    maxJsonDepth: 64,
    /** spec §5: 1 day leeway on a root certificate's notBefore. */
    certNotBeforeLeewayMs: 1 * DAY,
    /** spec §5 (Go warns under 6 months); we warn in inspect and verify. */
    certWarnMs: 182 * DAY,
    /** Warn when root, targets, snapshot or a delegation expires sooner than this. */
    metadataWarnMs: 30 * DAY,
    /** The timestamp is re-signed by the server every few days; warn only when it is this close. */
    timestampWarnMs: 1 * DAY,
    /** spec §5: Notary refuses RSA root/delegation keys below 2048 bits. */
    minRsaBits: 2048,
    maxRsaBits: 8192,
    curves: ['P-256', 'P-384', 'P-521'] as readonly string[],
    /** spec §9: Docker asks targets/releases first, then targets, and ignores every other role. */
    dockerRoles: ['targets/releases', 'targets'] as readonly string[],
    /** Docker's default tag. */
    defaultTag: 'latest',
  },
  fetch: {
    timeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    /** Redirects are not followed: a notary server answers directly. */
    userAgent: 'swarmguard-trust',
  },
  cache: {
    /** StateStore key prefix of per-GUN trust state (root bytes, highest versions seen). */
    prefix: 'trust/notary',
    maxEntryBytes: 4 * MIB,
  },
  docker: {
    /** spec §9: Docker Hub's notary server and registry names. */
    hubRegistry: 'docker.io',
    hubNotaryServer: 'https://notary.docker.io',
    hubAliases: ['docker.io', 'index.docker.io', 'registry-1.docker.io'] as readonly string[],
  },
});

export type TrustLimits = typeof trustLimits;

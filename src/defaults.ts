/**
 * Every secure default and hard limit in one place (STYLE habit 7).
 * Facts from ../shared/specs/swarmkit.md are cited by section.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KIB = 1024;
const MIB = 1024 * KIB;

export const defaults = Object.freeze({
  state: {
    /** Environment variable naming the state directory. */
    envVar: 'SWARMGUARD_STATE',
    /** Directory under $HOME when the variable is unset. */
    homeDirName: '.swarmguard',
    fileMode: 0o600,
    dirMode: 0o700,
    /** How long a writer waits for the state lock before giving up. */
    lockTimeoutMs: 10_000,
    /** A lock older than this whose owner PID is gone is stale and may be broken. */
    lockStaleMs: 30_000,
    lockRetryMs: 25,
  },
  ca: {
    passphraseEnvVar: 'SWARMGUARD_CA_PASSPHRASE',
    /** spec 2.1: root CN, 20 years (630720000 s), backdated 5 minutes. */
    rootCommonName: 'swarm-ca',
    rootValidityMs: 630_720_000 * 1000,
    rootBackdateMs: 5 * MINUTE,
    /** spec 2.2: node certs default 2160 h, backdated 1 h from rounded now, minimum 1 h. */
    nodeCertExpiryMs: 90 * DAY,
    nodeCertBackdateMs: HOUR,
    minCertExpiryMs: HOUR,
    /** spec 2.3: an imported root must be valid for at least a year. */
    minRootRemainingMs: 8760 * HOUR,
    /** spec 2.1: serials are 20 random bytes with the top bit cleared. */
    serialBytes: 20,
    /** spec 3: renew at a random point in [50 %, 80 %) of the life. */
    renewWindow: [0.5, 0.8] as const,
    /** CRLs we sign are valid this long; mTLS peers refetch before nextUpdate. */
    crlValidityMs: 7 * DAY,
    /** Keys accepted in CSRs and imported roots (spec 2.3). */
    minRsaBits: 2048,
    allowedCurves: ['P-256', 'P-384', 'P-521'] as const,
    /** Node's default scrypt-free PBES2 export for the CA key at rest. */
    keyCipher: 'aes-256-cbc',
    /** How many of the soonest-expiring live certificates `ca status` lists. */
    statusSoonest: 5,
    /** Hard cap on a CSR's size (PEM or DER), far above any real one. */
    maxCsrBytes: 64 * 1024,
    /** Serials drawn per randomFillSync call (one call per certificate costs ~5 µs). */
    serialsPerRandomFill: 204,
    /** IssuerPool: default threads are one per core, at most this many. */
    issuerMaxDefaultThreads: 8,
    /** IssuerPool: at most this many jobs per message to a thread (amortizes the message, still spreads a batch). */
    issuerJobsPerMessage: 64,
    /** IssuerPool: messages a thread holds at once (one being worked on, one queued so it never waits for the main thread). */
    issuerMessagesInFlight: 2,
  },
  cfssl: {
    /** spec 5.3: swarmkit limits the response body to 256 KiB; we cap requests the same. */
    maxRequestBytes: 256 * 1024,
    requestTimeoutMs: 10_000,
    signPath: '/api/v1/cfssl/sign',
    /** swarmkit's own example external-CA server answers on /sign (spec 5.1); the URL is used verbatim. */
    altSignPath: '/sign',
    /** cfssl serve's default address (spec 11 ran it on 127.0.0.1:8888). */
    listen: '127.0.0.1:8888',
    /** SAN of the self-issued server certificate when --host is not given. */
    serverHosts: ['127.0.0.1'] as readonly string[],
    serverCommonName: 'swarmguard-ca-serve',
    /** Re-issue the self-issued server certificate once this share of its life has passed. */
    serverCertRenewAt: 2 / 3,
    serverCertCheckMs: 60 * 60_000,
    /** On SIGTERM: stop accepting, let in-flight requests finish for this long, then cut connections. */
    shutdownGraceMs: 5_000,
    /** After answering a request whose body we refused (413, 408), drop the connection this soon. */
    dropAfterRefusalMs: 1_000,
    /** Bounds on request fields, far above what SwarmKit sends. */
    maxHosts: 16,
    maxHostLength: 253,
    maxNames: 4,
    maxAttrLength: 128,
  },
  tls: {
    minVersion: 'TLSv1.2' as const,
    /** TLS 1.2 AEAD suites only (spec 8.1, swarmkit >= 2.1.1); TLS 1.3 suites are all AEAD. */
    ciphers: [
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ].join(':'),
    /** Refused-connection log lines per window (a flood of bad clients cannot flood the log). */
    refusalLog: { perWindow: 60, windowMs: 60_000 },
    /** Certificate/key/roots file polling for hot reload, and the debounce after a change. */
    watch: { intervalMs: 2_000, debounceMs: 200 },
  },
  x509: {
    /** Bounded work on hostile inputs. */
    maxChainLength: 10,
    maxPathBuildingSteps: 2_000,
    maxCertBytes: 256 * 1024,
    maxPemBlocks: 1_000,
    /** webpki's ceiling: bounds the cost of one RSA verification on hostile input. */
    maxRsaBits: 8192,
    /** Larger RSA moduli are not even handed to node:crypto. */
    rsaLoadLimitBits: 16_384,
    /** SANs × name-constraint subtrees checked per certificate, at most. */
    maxNameConstraintChecks: 1 << 20,
    /** Largest pathLenConstraint accepted (as BoringSSL). */
    maxPathLen: 255,
    /**
     * One CRL's DER, at most (a PEM file may hold twice this in all). @peculiar/x509's parse
     * grows faster than linearly (5,000 entries ~1 s, 20,000 ~7-13 s), so this caps the work.
     */
    maxCrlBytes: 1024 * 1024,
    /** Entries in one CRL, at most. */
    maxCrlEntries: 25_000,
    /** CRLs given to one verification, at most. */
    maxCrls: 64,
    /** How deep separate CRL signers (RFC 5280 6.3.3 f) may nest: a signer whose own CRL has another separate signer. */
    maxCrlSignerDepth: 2,
  },
  /** Join tokens, unlock keys, scoped tokens and the broker (swarmkit spec §1, §6). */
  tokens: {
    join: {
      prefix: 'SWMTKN',
      /** spec 1.1: v1 is 4 dash-separated parts, v2 (FIPS) 5. */
      v1Parts: 4,
      v2Parts: 5,
      /** spec 1.2: ceil(log36 2^256) = 50. */
      digestChars: 50,
      digestBytes: 32,
      /** spec 1.3: 16 random bytes, ceil(log36 2^128) = 25. */
      secretChars: 25,
      secretBytes: 16,
      /** Anything longer is not a token; refuse before doing any work. */
      maxTokenChars: 256,
      /** Hex characters of sha256(token) shown instead of the token. */
      fingerprintHex: 8,
    },
    roots: {
      /** A trust-root bundle larger than this is not a swarm root. */
      maxBundleBytes: 256 * 1024,
    },
    seen: {
      storeKey: 'tokens/seen.json',
      /** Oldest retired records are dropped past this many. */
      maxRecords: 500,
    },
    unlock: {
      /** spec 6.1 */
      prefix: 'SWMKEY-1-',
      keyBytes: 32,
      maxKeyChars: 128,
      /** spec 6.3: header names SwarmKit writes on the node key. */
      kekVersionHeader: 'kek-version',
      dekHeader: 'raft-dek',
      pendingDekHeader: 'raft-dek-pending',
      needsRotationHeader: 'raft-dek-needs-rotation',
      /** A node key file is a few hundred bytes; refuse anything far larger. */
      maxNodeKeyBytes: 64 * 1024,
      /** spec 6.4: what SwarmKit writes; anything else still decrypts but is reported. */
      pbkdf2Iterations: 2048,
      saltBytes: 8,
      ivBytes: 16,
      aesKeyBytes: 32,
      /** Bounds for hostile PBES2 parameters: never spend more than this on one KDF. */
      maxPbkdf2Iterations: 1_000_000,
      maxSaltBytes: 64,
      maxEncryptedKeyBytes: 16 * 1024,
      /** spec 6.5: the MaybeEncryptedRecord in a header is 78 bytes; allow headroom, never megabytes. */
      maxRecordBytes: 4 * 1024,
      dekBytes: 32,
      secretboxNonceBytes: 24,
    },
    scoped: {
      issuer: 'swarmguard',
      audience: 'swarmguard-token-broker',
      /** Only ES256 is accepted (the allowlist is the type). */
      algorithm: 'ES256' as const,
      keyStoreKey: 'tokens/scoped-issuer.json',
      usesPrefix: 'tokens/scoped-uses',
      defaultTtlMs: HOUR,
      maxTtlMs: 30 * 24 * HOUR,
      defaultUses: 1,
      maxUses: 10_000,
      clockToleranceS: 30,
      maxTokenChars: 4096,
    },
    broker: {
      host: '127.0.0.1',
      maxBodyBytes: 4096,
      requestTimeoutMs: 10_000,
      /** After a scoped token is used up, rotate the real token this long after the last hand-out (the joiner needs it first). */
      rotateGraceMs: 2 * MINUTE,
      path: '/v1/join-token',
    },
    engine: {
      timeoutMs: 30_000,
    },
  },
  /** Image trust: Notary v1 and TUF verification (notary-tuf spec). */
  trust: {
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
      /** Decoded public keys kept in memory by content (warm verification). */
      keyCacheEntries: 4096,
    },
    fetch: {
      timeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      /** Redirects are not followed: a notary server answers directly. */
      userAgent: 'swarmguard-trust',
    },
    /** Token auth (notary server and registry): Basic credentials for the token service, `USER:PASSWORD`. */
    auth: {
      notaryEnvVar: 'SWARMGUARD_NOTARY_AUTH',
      registryEnvVar: 'SWARMGUARD_REGISTRY_AUTH',
      maxCredentialsBytes: 4 * 1024,
      maxTokenBytes: 64 * 1024,
    },
    registry: {
      /** distribution's own manifest limit is 4 MiB. */
      maxManifestBytes: 4 * MIB,
      maxErrorBytes: 16 * 1024,
      timeoutMs: 30_000,
      connectTimeoutMs: 10_000,
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
  },
  /** Audit: snapshots, policies, redaction. */
  audit: {
    /** Prefix of a redacted env value in a snapshot. */
    redactedPrefix: '<redacted ',
    /** SW-17: env names that usually carry a credential. */
    secretEnvNamePattern: '(pass(word)?|passwd|secret|token|api_?key|private_?key|credential|access_?key)',
    /** A snapshot file larger than this is not an Engine API answer. */
    maxSnapshotFileBytes: 256 * 1024 * 1024,
    maxPolicyFileBytes: 4 * 1024 * 1024,
    /** Per-request timeout when collecting from an engine. */
    engineTimeoutMs: 30_000,
    snapshotManifest: 'snapshot.json',
    /** Host collectors: the largest daemon.json, cmdline, PEM or /proc/net file read. */
    hostMaxFileBytes: 4 * 1024 * 1024,
    /** The snapshot file holding the host facts. */
    hostFactsFile: 'host.json',
    /** The shipped policy pack enabled by default. */
    defaultPolicyFiles: ['cis-docker-1.6.0.json', 'swarm.json'] as readonly string[],
    severities: ['critical', 'high', 'medium', 'low', 'info'] as const,
    /** SW-10 / SW-12: fingerprints kept per series (oldest dropped first). */
    historyMaxEntries: 32,
    /** State-store key prefix of the per-cluster rotation history. */
    historyKeyPrefix: 'audit/history/',
    /** The rotation history written next to a snapshot. */
    historyFile: 'history.json',
    /** SW-05: TLS handshake to each manager's swarm port (collect-tls.ts). */
    tlsProbe: {
      timeoutMs: 5_000,
      concurrency: 8,
      maxAddresses: 256,
      /** What SwarmKit's own clients send as SNI (swarmkit spec 1.9). */
      serverName: 'swarm-manager',
      swarmPort: 2377,
      maxChainCerts: 8,
    },
    /** `audit --fleet`: many engines and swarms at once. */
    fleet: {
      concurrency: 8,
      maxTargets: 1_000,
      maxNodesPerTarget: 5_000,
      maxFileBytes: 4 * MIB,
      /** Per-request timeout of a node's own /info (the full audit keeps engineTimeoutMs). */
      nodeInfoTimeoutMs: 10_000,
    },
  },
});

export type Defaults = typeof defaults;
export const TIME = { MINUTE, HOUR, DAY } as const;

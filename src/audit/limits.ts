/**
 * Audit defaults and limits in one object. They live here rather than in
 * src/defaults.ts only because that file belongs to another work area; fold
 * them in as `defaults.audit` when convenient.
 */
export const auditDefaults = Object.freeze({
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
  /** The shipped policy pack enabled by default. */
  defaultPolicyFiles: ['cis-docker-1.6.0.json', 'swarm.json'] as readonly string[],
  severities: ['critical', 'high', 'medium', 'low', 'info'] as const,
});
export type Severity = (typeof auditDefaults.severities)[number];
/** Higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/**
 * The library entry point of the audit: facts (from an engine or a
 * directory) + policy → result. The CLI is a shell over these.
 */
export { collectSnapshot } from './collect.js';
export { collectHostFacts, type HostCollectOptions } from './host/collect.js';
export { fsReader, type HostReader } from './host/reader.js';
export type * from './host/types.js';
export { collectTls, nodeTlsConnector, describePeerChain, type TlsConnector, type TlsHandshake, type CollectTlsOptions } from './collect-tls.js';
export type { TlsProbe, TlsPeerCert } from './tls-facts.js';
export { auditFleet, parseFleetFile, UNREACHABLE_RULE, type FleetTarget, type FleetDeps, type FleetResult, type FleetFinding, type FleetScope } from './fleet.js';
export { loadSnapshot, writeSnapshot } from './load.js';
export { loadPolicy, applyOverrides, validatePolicyDoc, builtinPolicyDir, type Policy, type Rule, type Waiver } from './policy.js';
export { evaluatePolicy, failsAt, summarize, type AuditResult, type Summary } from './evaluate.js';
export { renderReport, reportChunks, writeChunks, REPORTERS } from './report/index.js';
export { diffFindings, parseFindings } from './diff.js';
export { RULE_KINDS } from './rules/index.js';
export { advanceHistory, attachHistory, parseHistory, readHistory, recordHistory, historyKey, currentFingerprints } from './history.js';
export * from './snapshot.js';
export * from './types.js';
export { SEVERITY_RANK } from './severity.js';

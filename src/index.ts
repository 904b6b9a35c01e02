/** swarmguard: the public library API. Importing it has no side effects. */
export * from './errors.js';
export { defaults } from './defaults.js';
export type { Clock } from './core/clock.js';
export { systemClock, fixedClock } from './core/clock.js';
export type { StateStore } from './store/state-store.js';
export { FileStore, resolveStateDir, writeFileAtomic } from './store/file-store.js';
export { parsePem, toPem } from './core/pem.js';
export { parseDuration, formatDuration } from './core/duration.js';
export { newSwarmId, toBase36 } from './core/ids.js';
export { assertStrongKey, generateP256, loadPrivateKey, spkiDer, subjectKeyId } from './core/keys.js';
export { readCsr, parseCsrDer, type ParsedCsr } from './ca/csr.js';
export { loadProfiles, validateProfile, type Profile, type ProfileInput } from './ca/profiles.js';
export { issueCertificate, makeSigner, selfSigner, type Signer, type IssueRequest, type IssuedCertificate } from './ca/issue.js';
export { initCa, type InitCaOptions } from './ca/init.js';
export { CertificateAuthority, type CaIssueRequest, type IssueOutcome, type NodeRole } from './ca/authority.js';
export { IssuerPool, defaultIssuerThreads, type IssuerPoolJob, type IssuerPoolOptions } from './ca/issuer-pool.js';
export { readCaState, requireCaState, readIssued, type CaState, type IssuedRecord } from './ca/state.js';
export { describeCa, type CaDescription } from './ca/describe.js';
export { openRevocations, type Revocations } from './ca/revocation-list.js';
export { rotateRoot, trustBundle, type RotateStep, type RotateOptions, type RotateResult } from './ca/rotate.js';
export { crossSignRoot } from './ca/cross-sign.js';
export { renewalTime, renewalDecision, renewCertificate, type RenewalDecision } from './ca/renew.js';
export { caStatus, type CaStatus } from './ca/status.js';
export { parseCertificate, parseCertificates, type ParsedCert } from './core/x509/parse.js';
export { verifyChain, assertChain, parseCrl, parseCrls, type ParsedCrl, type RevocationMode, type RevocationStatus, type VerifyOptions, type VerifyResult } from './core/x509/verify.js';
export { describeCertificate } from './core/x509/inspect.js';
export { EngineClient, EngineApiError, type EngineOptions } from './engine/client.js';
export { parseJoinToken, createJoinToken, digestPartFor, rootDigest, tokenFingerprint, tokensEqual } from './tokens/join-token.js';
export { verifyJoinToken } from './tokens/verify.js';
export { inspectJoinToken } from './tokens/inspect.js';
export { rotateJoinToken } from './tokens/rotate.js';
export { loadRootBundle } from './tokens/root-bundle.js';
export { parseUnlockKey, formatUnlockKey, newUnlockKey } from './tokens/unlock-key.js';
export { verifyUnlockKey } from './tokens/unlock-verify.js';
export { rotateUnlockKey } from './tokens/unlock-rotate.js';
export { rekeyNodeKey } from './tokens/rekey.js';
export { parseNodeKeyFile } from './tokens/node-key.js';
export { issueScopedToken, verifyScopedToken, checkScope, loadOrCreateIssuer } from './tokens/scoped/token.js';
export { TokenBroker } from './tokens/scoped/broker.js';
export * from './tokens/errors.js';
export { revokeCertificate, REVOCATION_REASONS, type RevokeRequest, type RevokeResult } from './ca/revoke.js';
export { signCrl, readCrl, crlStale } from './ca/crl.js';
export {
  MtlsCredentials,
  MtlsServerCredentials,
  createReloadableServer,
  serverContext,
  clientContext,
  clientOptions,
  authorizePeer,
  authorizeSocket,
  revocationCheck,
  crlIndex,
  mtlsFromCa,
  caPolicy,
  secureContextOptions,
  type MtlsMaterial,
  type MtlsPolicy,
} from './ca/mtls.js';
export * from './trust/index.js';
export * as audit from './audit/audit.js';

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
export { CertificateAuthority, type CaIssueRequest, type NodeRole } from './ca/authority.js';
export { readCaState, requireCaState, readIssued, type CaState, type IssuedRecord } from './ca/state.js';
export { describeCa, type CaDescription } from './ca/describe.js';
export { openRevocations, type Revocations } from './ca/revocation-list.js';

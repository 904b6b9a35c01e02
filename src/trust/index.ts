/**
 * The image-trust library API. Importing it has no side effects.
 * (src/index.ts re-exports this module.)
 */
export * from './errors.js';
export type { TrustFormat, TrustVerifier, VerifiedTarget } from './verifier.js';
export { parseImageRef, defaultNotaryServer, type ImageRef } from './image-ref.js';
export { verifySignatureBytes, usableKeyFromSpki, usableKeyFromEd25519, type SignatureScheme, type UsableKey } from './signatures.js';
export { createFetcher, type Fetcher, type FetcherOptions } from './fetcher.js';
export { canonicalJson, parseJson, type JsonValue } from './notary/json.js';
export { computeKeyId, decodeKey, type NotaryKey, type DecodedKey } from './notary/keys.js';
export { parseRoot, parseTargets, parseSnapshot, parseTimestamp } from './notary/metadata.js';
export type { RootPin } from './notary/root.js';
export { NotaryTrustedSet, type VersionFloor, type VerifiedRole } from './notary/trusted-set.js';
export { updateNotaryRepository, type MetadataSource, type FetchRequest, type AnchorKind } from './notary/update.js';
export { resolveDockerTag, listTargets, type SignedTarget } from './notary/lookup.js';
export { describeRepository, type RepositoryView } from './notary/report.js';
export { readTrustCache, recordTrust, forgetTrust, type TrustCacheEntry } from './notary/cache.js';
export { DirectorySource } from './notary/source-dir.js';
export { NotaryServerSource } from './notary/source-http.js';
export { verifyNotaryTag, verifyNotaryRepository, NotaryVerifier, type TagVerification } from './notary/verify.js';
export { verifyTufTarget, refreshTufRepository, TufVerifier, TufDirectorySource, TufHttpSource, type TufSource, type TufVerifyOptions, type TufVerification } from './tuf/verify.js';
export { RegistryClient, type RegistryClientOptions, type Manifest, type ManifestHead } from './registry/client.js';
export { confirmRegistryDigest, type RegistryConfirmation, type ConfirmRequest } from './registry/confirm.js';
export { BearerAuth, parseWwwAuthenticate, parseCredentials, type TokenCredentials, type Challenge } from './token-auth.js';

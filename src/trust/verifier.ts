/**
 * One interface for every image-trust format: given a target name (a Docker
 * tag for Notary v1, a target path for TUF 1.0), answer what is signed for it
 * and by whom, or refuse with a TrustError.
 */
export type TrustFormat = 'notary-v1' | 'tuf-1.0';

export interface VerifiedTarget {
  format: TrustFormat;
  /** The repository: a Notary GUN, or a TUF repository URL/directory. */
  repository: string;
  /** The name looked up (tag or target path). */
  name: string;
  /** The role whose signed metadata answered. */
  role: string;
  length: number;
  /** Hash name → lowercase hex. */
  hashes: Record<string, string>;
  /** `sha256:<hex>` when a sha256 is signed. */
  digest?: string;
  /** Key IDs (and names, when known) whose signatures counted for that role. */
  signers: Array<{ keyId: string; name?: string }>;
  /** Expiry warnings and skipped roles worth a look. */
  warnings: string[];
}

export interface TrustVerifier {
  readonly format: TrustFormat;
  /** Refresh trusted metadata (the update order of the format) and look up one target. */
  verify(name: string): Promise<VerifiedTarget>;
}

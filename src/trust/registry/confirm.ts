/**
 * Does the registry serve, for a tag, exactly the manifest digest signed for
 * it? A HEAD by tag gives the announced `Docker-Content-Digest`; when the
 * registry announces none, the manifest is fetched and hashed (the client
 * checks sha256(body) against any announced digest). An index / manifest
 * list counts like a manifest: the signed digest of a multi-platform tag is
 * the index's.
 *
 * A different digest, no manifest for the tag, or a manifest whose length
 * differs from the signed length is ERR_TRUST_REGISTRY_MISMATCH (exit 1);
 * an unreachable registry is a runtime error (exit 3).
 */
import { refuse, isTrustError } from '../errors.js';
import type { RegistryClient } from './client.js';

export interface RegistryConfirmation {
  /** The registry's base URL. */
  url: string;
  /** Repository inside the registry (e.g. library/alpine). */
  repository: string;
  tag: string;
  /** The digest the registry serves for the tag. */
  digest: string;
  mediaType?: string;
  /** How the served digest was learned: announced on HEAD, or hashed from the body of a GET. */
  via: 'head' | 'get';
  match: true;
}

export interface ConfirmRequest {
  repository: string;
  tag: string;
  /** The signed manifest digest, `sha256:<hex>`. */
  signedDigest: string;
  /** The signed length of the manifest, in bytes. */
  signedLength?: number;
}

export async function confirmRegistryDigest(client: RegistryClient, req: ConfirmRequest): Promise<RegistryConfirmation> {
  const { repository, tag, signedDigest } = req;
  const what = `${client.url}/${repository}:${tag}`;
  const mismatch = (served: string | undefined, why: string, cause?: unknown): Error =>
    refuse(
      'ERR_TRUST_REGISTRY_MISMATCH',
      undefined,
      `${what}: ${why}, but ${signedDigest} is signed for the tag; do not deploy by tag, pull by the signed digest or re-sign`,
      { registry: client.url, repository, tag, signed: signedDigest, ...(served !== undefined ? { served } : {}) },
      cause,
    );
  const notFound = (e: unknown): Error => (isTrustError(e) && e.code === 'ERR_TRUST_NO_DATA' ? mismatch(undefined, 'the registry serves no manifest for the tag', e) : (e as Error));

  let via: 'head' | 'get' = 'head';
  let digest: string | undefined;
  let mediaType: string | undefined;
  let size: number | undefined;
  try {
    const head = await client.headManifest(repository, tag);
    digest = head.digest;
    mediaType = head.mediaType;
    size = head.size;
  } catch (e) {
    throw notFound(e);
  }
  if (digest === undefined) {
    // No Docker-Content-Digest on HEAD: fetch the bytes and hash them.
    via = 'get';
    try {
      const m = await client.getManifest(repository, tag);
      digest = m.digest;
      mediaType = m.mediaType;
      size = m.body.length;
    } catch (e) {
      throw notFound(e);
    }
  }
  if (digest !== signedDigest) throw mismatch(digest, `the registry serves ${digest}`);
  if (req.signedLength !== undefined && size !== undefined && size !== req.signedLength) {
    throw mismatch(digest, `the registry serves ${size} bytes where ${req.signedLength} are signed`);
  }
  return { url: client.url, repository, tag, digest, ...(mediaType !== undefined ? { mediaType } : {}), via, match: true };
}

/**
 * Docker image references → GUN and tag (spec §9): the GUN is the fully
 * qualified repository name (`docker.io/library/alpine`,
 * `127.0.0.1:5000/library/demo`), the tag defaults to `latest`, and a
 * `@sha256:` reference is refused because it bypasses content trust.
 */
import { TrustUsageError } from './errors.js';
import { defaults } from '../defaults.js';

export interface ImageRef {
  /** Registry host[:port] (docker.io for Docker Hub). */
  registry: string;
  /** Repository path inside the registry (library/alpine). */
  repository: string;
  /** registry/repository: the Notary GUN. */
  gun: string;
  tag: string;
  /** False when the tag is the default (`latest`), not written in the reference. */
  tagGiven: boolean;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function bad(ref: string, why: string): TrustUsageError {
  return new TrustUsageError('ERR_TRUST_IMAGE_REF', `${JSON.stringify(ref)} is not an image reference (${why}); use [REGISTRY/]REPOSITORY[:TAG], e.g. 127.0.0.1:5000/library/demo:v1`);
}

export function parseImageRef(ref: string): ImageRef {
  if (ref.length === 0 || ref.length > 512) throw bad(ref, 'empty or too long');
  if (ref.includes('@')) {
    throw new TrustUsageError('ERR_TRUST_IMAGE_REF', `${ref}: a digest reference needs no signature lookup (Docker bypasses content trust for it); give a tag to find out which digest is signed`);
  }
  let name = ref;
  let tag: string = defaults.trust.notary.defaultTag;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) {
    name = ref.slice(0, colon);
    tag = ref.slice(colon + 1);
    if (!TAG.test(tag)) throw bad(ref, `bad tag ${JSON.stringify(tag)}`);
  }
  const parts = name.split('/');
  let registry: string = defaults.trust.docker.hubRegistry;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) throw bad(ref, `bad registry ${JSON.stringify(first)}`);
    registry = first;
    parts.shift();
  }
  if (defaults.trust.docker.hubAliases.includes(registry)) {
    registry = defaults.trust.docker.hubRegistry;
    if (parts.length === 1) parts.unshift('library');
  }
  for (const p of parts) if (!COMPONENT.test(p)) throw bad(ref, `bad path component ${JSON.stringify(p)} (lower-case letters, digits, separators)`);
  const repository = parts.join('/');
  return { registry, repository, gun: `${registry}/${repository}`, tag, tagGiven: colon > slash };
}

/** spec §9: Docker's default notary server for a registry. */
export function defaultNotaryServer(ref: ImageRef): string {
  return ref.registry === defaults.trust.docker.hubRegistry ? defaults.trust.docker.hubNotaryServer : `https://${ref.registry}`;
}

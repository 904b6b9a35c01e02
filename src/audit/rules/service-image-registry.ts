/**
 * SW-21: service images come from an allowed registry. DOCKER_CONTENT_TRUST
 * is a client-side switch the daemon cannot enforce, so the audit checks the
 * registry and leaves signatures to admission (swarmguard trust); without an
 * allow-list the rule cannot decide and says so.
 */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass, unknown } from './util.js';

interface Params {
  /** Registry hosts (host[:port]); "docker.io" stands for Docker Hub. */
  allowedRegistries: string[];
}

/** The registry host of an image reference: the first component when it looks like a host, else docker.io. */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

export const serviceImageRegistry: RuleKind<Params> = {
  kind: 'service-image-registry',
  describe: 'fails for every service whose image registry is not in `allowedRegistries`; unknown while the list is empty',
  paramsSchema: { type: 'object', required: ['allowedRegistries'], additionalProperties: false, properties: { allowedRegistries: { type: 'array', items: { type: 'string', minLength: 1 } } } },
  evaluate(facts, p) {
    const allowed = new Set(p.allowedRegistries.map((r) => r.toLowerCase()));
    return forEachService(facts, (s, target) => {
      const image = s.Spec?.TaskTemplate?.ContainerSpec?.Image;
      if (!image) return unknown(target, 'no image in the container spec');
      const reg = registryOf(image).toLowerCase();
      if (allowed.size === 0) return unknown(target, `image from ${reg}: no registry allow-list is configured (set params.allowedRegistries in a policy file); the daemon cannot enforce content trust`);
      return allowed.has(reg)
        ? pass(target, `image from allowed registry ${reg} (signatures are checked at admission, not by the audit)`)
        : fail(target, `image ${image} comes from ${reg}, which is not an allowed registry`);
    });
  },
};

/** SW-20 (CIS 5.28 for services): images pinned by digest; `:latest` or no tag called out. */
import type { RuleKind } from '../types.js';
import { fail, forEachService, pass, unknown } from './util.js';

export const serviceImageDigest: RuleKind<Record<string, never>> = {
  kind: 'service-image-digest',
  describe: 'fails for every service whose image reference has no @sha256: digest (happens with --no-resolve-image and API clients)',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    return forEachService(facts, (s, target) => {
      const image = s.Spec?.TaskTemplate?.ContainerSpec?.Image;
      if (!image) return unknown(target, 'no image in the container spec');
      if (/@sha256:[0-9a-f]{64}$/.test(image)) return pass(target, `pinned: ${image}`);
      const last = image.split('/').pop() ?? image;
      const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
      const why = tag === undefined ? 'no tag (means :latest)' : tag === 'latest' ? ':latest' : `tag :${tag}`;
      return fail(target, `image ${image} is not pinned by digest (${why}); nodes may run different images`);
    });
  },
};

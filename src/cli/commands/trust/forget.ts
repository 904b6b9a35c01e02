import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

/**
 * `swarmguard trust forget GUN`: drop the cached root and versions of one
 * repository, for a deliberate re-pin (a repository re-initialised with new
 * root keys cannot chain to the cached root, by design).
 */
export function registerForget(area: Command, ctx: () => CliContext): void {
  area
    .command('forget')
    .description('drop the trust cache of one repository (cached root and highest versions), to pin it again deliberately')
    .argument('<gun>', 'the repository (GUN), e.g. docker.io/library/alpine')
    .action(async (gun: string) => {
      const c = ctx();
      const { forgetTrust, readTrustCache } = await import('../../../trust/notary/cache.js');
      const store = c.store();
      const had = await readTrustCache(store, gun).catch(() => undefined);
      await forgetTrust(store, gun);
      const doc = { gun, forgotten: had !== undefined, ...(had ? { rootVersion: had.rootVersion, anchor: had.anchor, firstTrustedAt: had.firstTrustedAt } : {}) };
      c.emit(doc, () =>
        had
          ? `forgot ${gun} (root v${had.rootVersion}, first trusted ${had.firstTrustedAt} by ${had.anchor}); the next verify needs --root-key-id, --root-ca or --tofu`
          : `nothing cached for ${gun}`,
      );
    });
}

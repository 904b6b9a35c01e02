import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addTrustOptions, type TrustFlags } from './source.js';

/**
 * `swarmguard trust verify IMAGE[:TAG]` (online) or
 * `swarmguard trust verify --offline DIR --gun GUN --tag TAG`: print the
 * signed digest and its signers; a refusal exits 1 with its code, bad input 2,
 * an unreachable server 3.
 */
export function registerVerify(area: Command, ctx: () => CliContext): void {
  const cmd = area
    .command('verify')
    .description('which digest is signed for IMAGE:TAG, and by whom (Docker’s rule: targets/releases, then targets) — or refuse')
    .argument('[image]', 'image reference [REGISTRY/]REPOSITORY[:TAG] (gives the GUN and tag)')
    .option('--tag <tag>', 'tag to look up (default: from IMAGE, else latest)');
  addTrustOptions(cmd).action(async (image: string | undefined, o: TrustFlags) => {
    const c = ctx();
    const { resolveTrustFlags } = await import('./source.js');
    const { verifyNotaryTag } = await import('../../../trust/notary/verify.js');
    const r = await resolveTrustFlags(image, o, c, true);
    let v;
    try {
      v = await verifyNotaryTag({ gun: r.gun, tag: r.tag, source: r.source, ...(r.pin ? { pin: r.pin } : {}), ...(r.store ? { store: r.store } : {}), clock: r.clock });
    } finally {
      r.close();
    }
    const doc = {
      gun: v.gun,
      tag: v.tag,
      digest: v.digest,
      length: v.length,
      role: v.role,
      signers: v.signers,
      alsoSignedBy: v.alsoSignedBy,
      hashes: v.hashes,
      anchor: v.anchor,
      root: v.root,
      versions: v.versions,
      source: v.source,
      at: v.at,
      recorded: r.store !== undefined,
      warnings: v.warnings,
    };
    c.emit(doc, () => {
      const who = v.signers.map((s) => `${s.keyId.slice(0, 12)}…${s.name ? ` (${s.name})` : ''} ${s.keytype}`).join(', ');
      return [
        `${v.gun}:${v.tag} → ${v.digest} (${v.length} bytes)`,
        `  signed in ${v.role} by ${who || 'nobody'}${v.alsoSignedBy.length ? `; also signed by ${v.alsoSignedBy.join(', ')}` : ''}`,
        `  trust anchor: ${v.anchor}, root v${v.root.version}${v.root.chain.length > 1 ? ` (rotated ${v.root.chain.join(' → ')})` : ''}; ${Object.entries(v.versions)
          .map(([k, n]) => `${k} v${n}`)
          .join(', ')}`,
        ...v.warnings.map((w) => `  warning: ${w}`),
      ].join('\n');
    });
  });
}

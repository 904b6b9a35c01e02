import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addTrustOptions, type TrustFlags } from './source.js';

/**
 * `swarmguard trust inspect [IMAGE] [--offline DIR] --gun GUN`: every role and
 * delegation, keys, thresholds, expiry horizon and warnings. Without a pin or
 * cached root, the served root is used as is (nothing is recorded) and the
 * output says how to pin it.
 */
export function registerInspect(area: Command, ctx: () => CliContext): void {
  const cmd = area
    .command('inspect')
    .description('roles, delegations, keys, thresholds, signed tags and the expiry horizon of a repository’s trust data')
    .argument('[image]', 'image reference (gives the GUN)');
  addTrustOptions(cmd).action(async (image: string | undefined, o: TrustFlags) => {
    const c = ctx();
    const { resolveTrustFlags } = await import('./source.js');
    const { readTrustCache } = await import('../../../trust/notary/cache.js');
    const { verifyNotaryRepository } = await import('../../../trust/notary/verify.js');
    const { listTargets } = await import('../../../trust/notary/lookup.js');
    const r = await resolveTrustFlags(image, o, c, false);
    // Inspecting an unknown repository is how one finds the root key ID to pin: fall back to its own root, unrecorded.
    const anchored = r.pin !== undefined || (r.store !== undefined && (await readTrustCache(r.store, r.gun)) !== undefined);
    let v;
    try {
      v = await verifyNotaryRepository({
        gun: r.gun,
        source: r.source,
        pin: r.pin ?? { kind: 'tofu' },
        ...(r.store ? { store: r.store } : {}),
        record: anchored,
        clock: r.clock,
      });
    } finally {
      r.close();
    }
    const targets = listTargets(v.set);
    const pinHint = anchored ? undefined : `not pinned: the served root was checked only against itself; to pin it, verify the key out of band and pass --root-key-id ${v.set.rootKeyIds[0] ?? 'ID'}`;
    const doc = {
      gun: r.gun,
      anchor: anchored ? v.anchor : 'none',
      at: v.at.toISOString(),
      source: r.source.description,
      root: { version: v.set.root.signed.version, keyIds: v.set.rootKeyIds, chain: v.set.rootChain },
      roles: v.view.roles,
      skipped: v.view.skipped,
      targets,
      horizon: v.view.horizon,
      warnings: [...(pinHint ? [pinHint] : []), ...v.view.warnings],
    };
    c.emit(doc, () => {
      const lines = [`${r.gun}  (trust anchor: ${doc.anchor}; at ${doc.at})`];
      for (const role of v.view.roles) {
        lines.push(`  ${role.name}  v${role.version}  expires ${role.expires}  threshold ${role.threshold}${role.paths ? `  paths ${JSON.stringify(role.paths)}` : ''}${role.targets !== undefined ? `  ${role.targets} target(s)` : ''}`);
        for (const k of role.keys) {
          lines.push(
            `    ${role.signers.includes(k.keyId) ? '✓' : ' '} ${k.keyId}  ${k.keytype}${k.name ? `  ${k.name}` : ''}${k.certNotAfter ? `  cert until ${k.certNotAfter}` : ''}${k.canonicalId !== k.keyId ? `  (canonical ${k.canonicalId.slice(0, 12)}…)` : ''}${k.problem ? `  unusable: ${k.problem}` : ''}`,
          );
        }
      }
      for (const s of v.view.skipped) lines.push(`  ${s.name}  not used (${s.code}): ${s.reason}`);
      lines.push('signed targets:');
      for (const t of targets) lines.push(`  ${t.name}  ${t.digest ?? '(no sha256)'}  ${t.length} bytes  ${t.role}`);
      lines.push('expiry horizon:');
      for (const h of v.view.horizon) lines.push(`  ${h.expires}  ${String(h.inDays).padStart(6)} d  ${h.what}`);
      for (const w of doc.warnings) lines.push(`warning: ${w}`);
      return lines.join('\n');
    });
  });
}

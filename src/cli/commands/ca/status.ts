import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerStatus(area: Command, ctx: () => CliContext): void {
  area
    .command('status')
    .description('rotation stage, roots and signer, certificates still from an old root, and the expiry horizon')
    .option('--soonest <n>', 'list this many of the soonest-expiring live certificates', '5')
    .option('--at <time>', 'evaluate at this time instead of now (ISO 8601 or epoch seconds)')
    .action(async (o: { soonest: string; at?: string }) => {
      const c = ctx();
      const { clockAt } = await import('../../context.js');
      const { UsageError } = await import('../../../errors.js');
      const { caStatus } = await import('../../../ca/status.js');
      const soonest = Number(o.soonest);
      if (!Number.isSafeInteger(soonest) || soonest < 0) throw new UsageError('ERR_CLI_USAGE', `--soonest must be a whole number, not ${JSON.stringify(o.soonest)}`);
      const now = (o.at !== undefined ? clockAt(o.at) : c.clock).now();
      const s = await caStatus(c.store(), now, { soonest });
      const cert = (x: { subject: string; fingerprint: string; notAfter: string; expiresInDays: number }): string =>
        `${x.subject}  sha256 ${x.fingerprint.slice(0, 16)}…  expires ${x.notAfter} (${x.expiresInDays} days)`;
      c.emit(s, () => {
        const n = s.certificates;
        const lines = [
          `cluster ${s.clusterId}, ${s.mode} CA, rotation stage ${s.stage}${s.rotation ? ` (started ${s.rotation.startedAt}${s.rotation.switchedAt ? `, switched ${s.rotation.switchedAt}` : ''})` : ''}`,
          `trust root (what nodes get): ${s.trustRoot.digest}`,
          ...s.trustRoot.certs.map((x) => `  ${cert(x)}`),
          ...(s.stage !== 'idle' ? ['trust bundle (what verifiers must trust during the rotation):', ...s.trustBundle.map((x) => `  ${cert(x)}`)] : []),
          `signer: ${cert(s.signer)}  ski ${s.signer.ski}${s.signer.hasKey ? '' : '  (no key held)'}`,
          ...s.signer.chain.map((x) => `  chain: ${x.subject} issued by ${x.issuer}  expires ${x.notAfter}`),
          ...(s.retiredRoots.length ? [`retired roots: ${s.retiredRoots.length} (last ${s.retiredRoots[s.retiredRoots.length - 1]!.retiredAt})`] : []),
          `certificates: ${n.issued} issued, ${n.live} live, ${n.expired} expired, ${n.revoked} revoked, ${n.superseded} superseded`,
          s.onOldIssuer.length
            ? `still on an old root (${s.onOldIssuer.length}): ${s.onOldIssuer
                .slice(0, 20)
                .map((p) => `${p.nodeId ?? p.subject ?? p.profile} (serial ${p.serial.slice(0, 12)}…, expires ${p.notAfter})`)
                .join(', ')}${s.onOldIssuer.length > 20 ? ', …' : ''}`
            : 'every live certificate comes from the current signer',
          'expiry horizon:',
          ...s.horizon.items.map((h) => `  ${h.notAfter}  ${String(h.expiresInDays).padStart(5)} d  ${h.label}`),
        ];
        if (s.stage === 'cross-signed') lines.push(`next: ${s.onOldIssuer.length ? 'renew the certificates still on the old root, then ' : ''}swarmguard ca rotate --stage switch`);
        if (s.stage === 'switched') lines.push('next: swarmguard ca rotate --stage finish');
        return lines.join('\n');
      });
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerScoped(area: Command, ctx: () => CliContext): void {
  area
    .command('scoped')
    .description('issue a scoped join token (JWS ES256): a role, an expiry, optionally a node name, caller address and use limit; exchanged for the real token by `token broker`')
    .requiredOption('--role <role>', 'worker or manager')
    .option('--ttl <duration>', 'lifetime, e.g. 1h (default 1h, at most 720h)')
    .option('--uses <n>', 'how many times the broker hands out the real token for it (default 1)')
    .option('--node <name>', 'the node name the caller must present')
    .option('--addr <ip>', 'the IP address the broker must see the caller connect from')
    .option('--cluster <id>', 'the swarm ID the real token must belong to')
    .action(async (o: { role: string; ttl?: string; uses?: string; node?: string; addr?: string; cluster?: string }) => {
      const c = ctx();
      const { parseRole } = await import('./input.js');
      const { parseDuration } = await import('../../../core/duration.js');
      const { loadOrCreateIssuer, issueScopedToken } = await import('../../../tokens/scoped/token.js');
      const { TokenUsageError } = await import('../../../tokens/errors.js');
      const { defaults } = await import('../../../defaults.js');
      const role = parseRole(o.role);
      const uses = o.uses === undefined ? defaults.tokens.scoped.defaultUses : Number(o.uses);
      if (!/^\d+$/.test(o.uses ?? '1')) throw new TokenUsageError('ERR_TOKEN_SCOPED_OPTIONS', `--uses must be a whole number, not ${JSON.stringify(o.uses)}`);
      const now = c.clock.now();
      const issuer = await loadOrCreateIssuer(c.store(), now);
      const { token, scoped } = await issueScopedToken(
        issuer,
        { role, uses, ...(o.node ? { node: o.node } : {}), ...(o.addr ? { addr: o.addr } : {}), ...(o.cluster ? { cluster: o.cluster } : {}) },
        { now, ...(o.ttl ? { ttlMs: parseDuration(o.ttl, '--ttl') } : {}) },
      );
      c.emit({ token, id: scoped.jti, role: scoped.role, uses: scoped.uses, expiresAt: scoped.expiresAt.toISOString(), ...(scoped.node ? { node: scoped.node } : {}), ...(scoped.addr ? { addr: scoped.addr } : {}) }, () => token);
    });
}

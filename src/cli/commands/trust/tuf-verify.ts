import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

interface TufFlags {
  offline?: string;
  server?: string;
  target: string;
  root?: string;
  at?: string;
  ca?: string;
  timeout?: string;
}

/**
 * `swarmguard trust tuf-verify --offline DIR|--server URL --target PATH [--root FILE]`:
 * a TUF 1.0 repository (through tuf-js): the signed length and hashes of one
 * target, or a refusal with the same codes as Notary. The client state (the
 * trusted root and the last verified metadata) lives under the state
 * directory, per repository.
 */
export function registerTufVerify(area: Command, ctx: () => CliContext): void {
  area
    .command('tuf-verify')
    .description('TUF 1.0 repository: the signed length and hashes of a target (root rotation, timestamp, snapshot, targets, delegations) — or refuse')
    .requiredOption('--target <path>', 'target path to look up')
    .option('--offline <dir>', 'metadata directory laid out as the repository serves it')
    .option('--server <url>', 'metadata base URL (https://…/metadata/)')
    .option('--root <file>', 'trusted root.json (obtained out of band) for the first contact; later runs use the cached state')
    .option('--at <time>', 'verify at this time (ISO 8601 or epoch seconds) instead of now')
    .option('--ca <file>', 'CA certificates (PEM) for the server')
    .option('--timeout <ms>', 'total time allowed per request, in milliseconds')
    .action(async (o: TufFlags) => {
      const c = ctx();
      const path = await import('node:path');
      const { createHash } = await import('node:crypto');
      const { clockAt, readFileArg } = await import('../../context.js');
      const { TrustUsageError } = await import('../../../trust/errors.js');
      const { verifyTufTarget, TufDirectorySource, TufHttpSource } = await import('../../../trust/tuf/verify.js');
      if ((o.offline === undefined) === (o.server === undefined)) throw new TrustUsageError('ERR_TRUST_USAGE', 'give exactly one of --offline DIR and --server URL');
      if (o.offline !== undefined && o.ca !== undefined) throw new TrustUsageError('ERR_TRUST_USAGE', '--ca makes no sense with --offline');
      let timeoutMs: number | undefined;
      if (o.timeout !== undefined) {
        timeoutMs = Number(o.timeout);
        if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new TrustUsageError('ERR_TRUST_USAGE', `--timeout must be a positive number of milliseconds, not ${JSON.stringify(o.timeout)}`);
      }
      const repository = o.offline !== undefined ? path.resolve(o.offline) : o.server!;
      let close = (): void => undefined;
      let source;
      if (o.offline !== undefined) source = new TufDirectorySource(o.offline);
      else {
        const { createFetcher } = await import('../../../trust/fetcher.js');
        const fetcher = createFetcher({ ...(o.ca !== undefined ? { ca: readFileArg(o.ca, 'the server CA (--ca)') } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
        source = new TufHttpSource(o.server!, fetcher);
        close = () => fetcher.close();
      }
      const metadataDir = path.join(c.stateDir, 'trust', 'tuf', createHash('sha256').update(repository).digest('hex'));
      let r;
      try {
        r = await verifyTufTarget(
          {
            repository,
            source,
            metadataDir,
            ...(o.root !== undefined ? { trustedRoot: readFileArg(o.root, 'the trusted root (--root)') } : {}),
            clock: o.at !== undefined ? clockAt(o.at) : c.clock,
          },
          o.target,
        );
      } finally {
        close();
      }
      c.emit(r, () =>
        [
          `${r.name} → ${r.digest ?? Object.entries(r.hashes).map(([k, v]) => `${k}:${v}`)[0] ?? '(no hash)'} (${r.length} bytes)`,
          `  signed in ${r.role} (keys ${r.signers.map((s) => s.keyId.slice(0, 12) + '…').join(', ') || 'none listed'})`,
          `  ${Object.entries(r.versions)
            .map(([k, n]) => `${k} v${n}`)
            .join(', ')}`,
        ].join('\n'),
      );
    });
}

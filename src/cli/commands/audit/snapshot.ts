import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerSnapshot(area: Command, ctx: () => CliContext): void {
  area
    .command('snapshot')
    .description('collect Engine API facts into a directory (0600 files; join tokens and secret values never written)')
    .option('--engine <url>', 'engine to read (default $DOCKER_HOST, else unix:///var/run/docker.sock)')
    .requiredOption('--out <dir>', 'directory to write')
    .action(async (o: { engine?: string; out: string }) => {
      const c = ctx();
      const a = await import('../../../audit/audit.js');
      const { defaults } = await import('../../../defaults.js');
      const { EngineClient } = await import('../../../engine/client.js');
      const client = new EngineClient({ ...(o.engine ? { url: o.engine } : {}), timeoutMs: defaults.audit.engineTimeoutMs });
      let snap;
      try {
        snap = await a.collectSnapshot(client, c.clock.now());
        snap.facts.tls = await (await import('../../../audit/collect-tls.js')).collectTls(snap.facts);
      } finally {
        client.close();
      }
      const files = await a.writeSnapshot(o.out, snap);
      const unavailable = Object.entries(snap.facts)
        .filter(([, f]) => 'unavailable' in f)
        .map(([k, f]) => ({ endpoint: k, reason: (f as { unavailable: string }).unavailable }));
      c.emit({ source: snap.source, collectedAt: snap.collectedAt, out: o.out, files, unavailable }, () =>
        [`snapshot of ${snap.source} written to ${o.out} (${files.length} files)`, ...unavailable.map((u) => `  ${u.endpoint}: unavailable (${u.reason})`)].join('\n'),
      );
    });
}

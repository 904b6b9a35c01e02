import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addHostOptions, collectLive, type HostOpts } from './host-options.js';

export function registerSnapshot(area: Command, ctx: () => CliContext): void {
  const cmd = area
    .command('snapshot')
    .description('collect Engine API facts into a directory (0600 files; join tokens and secret values never written)')
    .option('--engine <url>', 'engine to read (default $DOCKER_HOST, else unix:///var/run/docker.sock)')
    .requiredOption('--out <dir>', 'directory to write')
    // --no-history is the area's own option (a default-true flag declared here too would shadow it)
    .option('--at <time>', 'record the collection (and the history) at this time instead of now');
  addHostOptions(cmd).action(async () => {
    // `audit` itself declares --engine and the host flags, and commander gives them to it even after `snapshot`:
    // read the merged values
    const o = cmd.optsWithGlobals<{ engine?: string; out: string; at?: string; history?: boolean; probeTls?: boolean; tlsProbe?: string[] } & HostOpts>();
    const c = ctx();
    const a = await import('../../../audit/audit.js');
    const { clockAt } = await import('../../context.js');
    const now = (o.at !== undefined ? clockAt(o.at) : c.clock).now();
    const snap = await collectLive(o, now);
    // history.json is written next to the facts unless --no-history
    if (o.history !== false) await a.attachHistory(c.store(), snap.facts, now);
    const files = await a.writeSnapshot(o.out, snap);
    const unavailable = Object.entries(snap.facts)
      .filter(([, f]) => f !== undefined && 'unavailable' in f)
      .map(([k, f]) => ({ endpoint: k, reason: (f as { unavailable: string }).unavailable }));
    c.emit({ source: snap.source, collectedAt: snap.collectedAt, out: o.out, files, unavailable }, () =>
      [`snapshot of ${snap.source} written to ${o.out} (${files.length} files)`, ...unavailable.map((u) => `  ${u.endpoint}: unavailable (${u.reason})`)].join('\n'),
    );
  });
}

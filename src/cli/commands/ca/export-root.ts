import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerExportRoot(area: Command, ctx: () => CliContext): void {
  area
    .command('export-root')
    .description('print the trust-root bundle PEM (what nodes keep as swarm-root-ca.crt)')
    .action(async () => {
      const c = ctx();
      const { requireCaState } = await import('../../../ca/state.js');
      const state = await requireCaState(c.store());
      if (c.json) c.emit({ trustRoot: state.trustRootPem }, () => '');
      else process.stdout.write(state.trustRootPem);
    });
}

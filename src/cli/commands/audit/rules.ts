import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRules(area: Command, ctx: () => CliContext): void {
  area
    .command('rules')
    .description('list the rules of the loaded policies')
    .option('--policy <file|dir>', 'more policy files (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .action(async (o: { policy: string[] }) => {
      const c = ctx();
      const { loadPolicy } = await import('../../../audit/policy.js');
      const p = await loadPolicy(o.policy);
      const rules = p.rules.map(({ source: _s, ...r }) => r);
      c.emit({ rules }, () => rules.map((r) => `${r.id.padEnd(9)} ${r.severity.padEnd(8)} ${r.title}`).join('\n'));
    });
}

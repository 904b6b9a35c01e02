import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerDiff } from './diff.js';
import { registerRun } from './run.js';
import { registerRules } from './rules.js';
import { registerSnapshot } from './snapshot.js';

/** `swarmguard audit [options]` audits a swarm; `audit snapshot|diff|rules` are the helpers. */
export function registerAudit(program: Command, ctx: () => CliContext): void {
  const area = program.command('audit').description('audit a Docker Swarm against CIS Docker Benchmark and swarm policies');
  registerRun(area, ctx);
  registerSnapshot(area, ctx);
  registerDiff(area, ctx);
  registerRules(area, ctx);
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

/** `swarmguard ca <verb>`: the cluster certificate authority. */
export function registerCa(program: Command, ctx: () => CliContext): void {
  const area = program.command('ca').description('the cluster certificate authority (SwarmKit-compatible)');
  void area;
  void ctx;
}

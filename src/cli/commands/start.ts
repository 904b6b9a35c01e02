import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `swarmguard start`: the main job behind `npm start`. */
export function registerStart(program: Command, ctx: () => CliContext): void {
  program
    .command('start')
    .description('create or reuse the CA in the state directory and print its status and next steps')
    .action(async () => {
      const c = ctx();
      c.emit({ stateDir: c.stateDir }, () => `state directory: ${c.stateDir}`);
    });
}

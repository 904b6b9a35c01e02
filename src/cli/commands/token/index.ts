import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerBroker } from './broker.js';
import { registerCreate } from './create.js';
import { registerInspect } from './inspect.js';
import { registerRotate } from './rotate.js';
import { registerScoped } from './scoped.js';
import { registerVerify } from './verify.js';

/** `swarmguard token <verb>`: SwarmKit join tokens and scoped join tokens. */
export function registerToken(program: Command, ctx: () => CliContext): void {
  const area = program.command('token').description('join tokens: create, verify, inspect, rotate; scoped (expiring, node-bound, use-limited) tokens and their broker');
  registerCreate(area, ctx);
  registerVerify(area, ctx);
  registerInspect(area, ctx);
  registerRotate(area, ctx);
  registerScoped(area, ctx);
  registerBroker(area, ctx);
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerRekey } from './rekey.js';
import { registerRotate } from './rotate.js';
import { registerVerify } from './verify.js';

/** `swarmguard unlock-key <verb>`: autolock unlock keys (SWMKEY-1-...). */
export function registerUnlockKey(program: Command, ctx: () => CliContext): void {
  const area = program.command('unlock-key').description('autolock unlock keys: check a kept key against a node, rotate, re-encrypt a node key offline');
  registerVerify(area, ctx);
  registerRotate(area, ctx);
  registerRekey(area, ctx);
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerForget } from './forget.js';
import { registerInspect } from './inspect.js';
import { registerTufVerify } from './tuf-verify.js';
import { registerVerify } from './verify.js';

/** `swarmguard trust <verb>`: image signatures (Docker Content Trust / Notary v1). */
export function registerTrust(program: Command, ctx: () => CliContext): void {
  const area = program.command('trust').description('image signatures: which digest is signed for a tag, and by whom (Docker Content Trust / Notary v1)');
  registerVerify(area, ctx);
  registerInspect(area, ctx);
  registerForget(area, ctx);
  registerTufVerify(area, ctx);
}

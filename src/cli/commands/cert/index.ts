import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerInspect } from './inspect.js';
import { registerVerify } from './verify.js';

/** `swarmguard cert <verb>`: inspect and verify certificates and chains. */
export function registerCert(program: Command, ctx: () => CliContext): void {
  const area = program.command('cert').description('inspect and verify X.509 certificates and chains');
  registerInspect(area, ctx);
  registerVerify(area, ctx);
}

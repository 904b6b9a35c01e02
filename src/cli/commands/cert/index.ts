import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

/** `swarmguard cert <verb>`: inspect and verify certificates and chains. */
export function registerCert(program: Command, ctx: () => CliContext): void {
  const area = program.command('cert').description('inspect and verify X.509 certificates and chains');
  void area;
  void ctx;
}

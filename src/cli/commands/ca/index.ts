import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerCrl } from './crl.js';
import { registerExportRoot } from './export-root.js';
import { registerInit } from './init.js';
import { registerIssue } from './issue.js';
import { registerRevoke } from './revoke.js';
import { registerRenew } from './renew.js';
import { registerRotate } from './rotate.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';

/** `swarmguard ca <verb>`: the cluster certificate authority. */
export function registerCa(program: Command, ctx: () => CliContext): void {
  const area = program.command('ca').description('the cluster certificate authority (SwarmKit-compatible)');
  registerInit(area, ctx);
  registerIssue(area, ctx);
  registerExportRoot(area, ctx);
  registerRotate(area, ctx);
  registerRenew(area, ctx);
  registerStatus(area, ctx);
  registerServe(area, ctx);
  registerRevoke(area, ctx);
  registerCrl(area, ctx);
}

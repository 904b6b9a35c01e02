import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAudit } from './audit/index.js';
import { registerCa } from './ca/index.js';
import { registerCert } from './cert/index.js';
import { registerStart } from './start.js';
import { registerToken } from './token/index.js';
import { registerTrust } from './trust/index.js';
import { registerUnlockKey } from './unlock-key/index.js';

/** A command area: adds `swarmguard <area> ...` to the program. Keep these modules light: actions import the library lazily. */
export type Register = (program: Command, ctx: () => CliContext) => void;

export const COMMANDS: Register[] = [registerAudit, registerCa, registerCert, registerStart, registerToken, registerTrust, registerUnlockKey];

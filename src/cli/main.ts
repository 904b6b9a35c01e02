#!/usr/bin/env node
/**
 * The swarmguard CLI: `swarmguard <area> <verb>`. The only place that exits
 * the process. Command modules are imported lazily so that start-up stays small.
 */
import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { ExitCode, isSwarmguardError } from '../errors.js';
import { makeContext, type CliContext } from './context.js';
import { registerCommands } from './commands/index.js';

// commander is CommonJS: requiring it directly skips the ESM wrapper (~5 ms of start-up).
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof Commander;
type Command = Commander.Command;

export async function run(argv: string[], all = false): Promise<number> {
  const program = new Command('swarmguard')
    .description('Harden Docker Swarm clusters and their software supply chain')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--state <dir>', 'state directory (default $SWARMGUARD_STATE, else ~/.swarmguard)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  let ctx: CliContext | undefined;
  const getCtx = (): CliContext => (ctx ??= makeContext(program));
  // Only the area argv names is loaded; the others are stubs for the top-level help.
  const ranStub = await registerCommands(program, getCtx, argv, all);
  program.commands.forEach((c) => c.exitOverride());

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (ranStub()) return run(argv, true);
    return ctx?.exitCode ?? ExitCode.OK;
  } catch (e) {
    return report(e, program);
  }
}

function report(e: unknown, program: Command): number {
  const json = program.opts<{ json?: boolean }>().json === true;
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
    if (json) process.stdout.write(JSON.stringify({ error: { code: 'ERR_CLI_USAGE', message: e.message } }) + '\n');
    return ExitCode.USAGE;
  }
  if (isSwarmguardError(e)) {
    if (json) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
    process.stderr.write(`swarmguard: ${e.code}: ${e.message}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (json) process.stdout.write(JSON.stringify({ error: { code: 'ERR_INTERNAL', message: msg } }) + '\n');
  process.stderr.write(`swarmguard: ERR_INTERNAL: ${msg}\n`);
  if (process.env.SWARMGUARD_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return ExitCode.RUNTIME;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`swarmguard: ERR_INTERNAL: ${String(e)}\n`);
    process.exitCode = ExitCode.RUNTIME;
  },
);

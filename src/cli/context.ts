import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock, fixedClock, type Clock } from '../core/clock.js';
import { defaults } from '../defaults.js';
import { InputError, UsageError } from '../errors.js';
import { FileStore, resolveStateDir } from '../store/file-store.js';
import type { StateStore } from '../store/state-store.js';

/** What every command gets: global flags made typed, and the edges (IO, clock, store). */
export interface CliContext {
  json: boolean;
  stateDir: string;
  clock: Clock;
  store(): StateStore;
  /** Render the command's single result: one JSON document with --json, else human text. */
  emit(doc: unknown, human: () => string): void;
  /** Progress and logs: stderr only. */
  log(msg: string): void;
  /** Set a non-zero exit code for a completed command (1 = findings / verification failed). */
  setExitCode(code: number): void;
  readonly exitCode: number;
}

export function makeContext(program: Command): CliContext {
  const g = program.opts<{ json?: boolean; state?: string; at?: string }>();
  let store: StateStore | undefined;
  let exitCode = 0;
  const stateDir = resolveStateDir(g.state);
  return {
    json: g.json === true,
    stateDir,
    clock: systemClock,
    store: () => (store ??= new FileStore(stateDir)),
    emit(doc, human) {
      if (g.json === true) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      else {
        const text = human();
        if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
    },
    log(msg) {
      process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n');
    },
    setExitCode(code) {
      exitCode = Math.max(exitCode, code);
    },
    get exitCode() {
      return exitCode;
    },
  };
}

/** Parse `--at TIME` (ISO 8601 or epoch seconds) into a Clock. */
export function clockAt(at: string | undefined): Clock {
  if (at === undefined) return systemClock;
  const t = /^\d+$/.test(at) ? Number(at) * 1000 : Date.parse(at);
  if (Number.isNaN(t)) throw new UsageError('ERR_CLI_BAD_TIME', `--at ${JSON.stringify(at)} is not a time; use ISO 8601 (2026-01-02T03:04:05Z) or epoch seconds`);
  return fixedClock(t);
}

export function readFileArg(file: string, what: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InputError('ERR_CLI_READ', `cannot read ${what} from ${file} (${code}); check the path`, { cause: e });
  }
}

/**
 * Read a secret (passphrase): from a file, from stdin (`-`), or from an
 * environment variable. Never from argv. Trailing newline stripped.
 */
export function readSecret(opts: { file?: string | undefined; envVar?: string; what: string; required: boolean }): Buffer | undefined {
  let raw: Buffer | undefined;
  if (opts.file !== undefined) raw = readFileArg(opts.file, opts.what);
  else if (opts.envVar && process.env[opts.envVar] !== undefined) raw = Buffer.from(process.env[opts.envVar]!, 'utf8');
  if (raw === undefined) {
    if (!opts.required) return undefined;
    throw new UsageError(
      'ERR_CLI_SECRET_MISSING',
      `${opts.what} is needed: pass --passphrase-file FILE (or - for stdin)${opts.envVar ? ` or set ${opts.envVar}` : ''}`,
    );
  }
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  const secret = Buffer.from(raw.subarray(0, end));
  raw.fill(0);
  if (secret.length === 0) throw new InputError('ERR_CLI_SECRET_EMPTY', `${opts.what} is empty; give a non-empty passphrase`);
  return secret;
}

export const caPassphraseEnv = defaults.ca.passphraseEnvVar;

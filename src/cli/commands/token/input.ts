/**
 * Reading tokens and keys for the token and unlock-key commands: from a file,
 * from stdin (`-`, or nothing given while stdin is piped), or from argv (tokens
 * only; argv is visible to other local users, so prefer stdin or a file).
 * Nothing read here is ever logged.
 */
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../../../errors.js';

const MAX_SECRET_INPUT = 64 * 1024;

function readSource(source: string, what: string): string {
  let raw: Buffer;
  try {
    raw = source === '-' ? readFileSync(0) : readFileSync(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InputError('ERR_CLI_READ', `cannot read ${what} from ${source === '-' ? 'stdin' : source} (${code}); check the path`, { cause: e });
  }
  if (raw.length > MAX_SECRET_INPUT) throw new InputError('ERR_CLI_READ', `${what} input is larger than ${MAX_SECRET_INPUT} bytes; pass only the ${what}`);
  const text = raw.toString('utf8').trim();
  raw.fill(0);
  return text;
}

/** A secret from --x-file or stdin; `missingCode` when neither gives anything. */
export function readSecretText(opts: { file?: string | undefined; arg?: string | undefined; what: string; flag: string; missingCode: string; allowStdin?: boolean; required?: boolean }): string | undefined {
  if (opts.arg !== undefined && opts.file !== undefined) throw new UsageError('ERR_CLI_USAGE', `give the ${opts.what} either as an argument or with ${opts.flag}, not both`);
  let text: string | undefined;
  if (opts.file !== undefined) text = readSource(opts.file, opts.what);
  else if (opts.arg === '-') text = readSource('-', opts.what);
  else if (opts.arg !== undefined) text = opts.arg.trim();
  else if (opts.allowStdin !== false && !process.stdin.isTTY) text = readSource('-', opts.what);
  if (text === undefined || text === '') {
    if (opts.required === false) return undefined;
    throw new UsageError(opts.missingCode, `no ${opts.what} given: pipe it on stdin, or pass ${opts.flag} FILE (- for stdin)`);
  }
  return text;
}

export function readToken(arg: string | undefined, file: string | undefined): string {
  return readSecretText({ arg, file, what: 'join token', flag: '--token-file', missingCode: 'ERR_TOKEN_MISSING' })!;
}

export function parseRole(role: string | undefined): 'worker' | 'manager' {
  if (role !== 'worker' && role !== 'manager') throw new UsageError('ERR_TOKEN_ROLE', `--role must be worker or manager, not ${JSON.stringify(role ?? '')}`);
  return role;
}

export function humanAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

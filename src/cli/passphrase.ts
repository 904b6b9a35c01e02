import { defaults } from '../defaults.js';
import { InputError, UsageError } from '../errors.js';
import { readSecret } from './context.js';

/** Prompt on the terminal without echo. Only used when stdin and stderr are TTYs. */
async function promptHidden(question: string): Promise<Buffer> {
  const { createInterface } = await import('node:readline');
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const rlAny = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    rlAny._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(Buffer.from(answer, 'utf8'));
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new UsageError('ERR_CLI_ABORTED', 'passphrase entry aborted'));
    });
  });
}

export interface PassphraseOptions {
  passphraseFile?: string;
  /** Ask twice when prompting (creating a key). */
  confirm?: boolean;
  required: boolean;
}

/**
 * The CA passphrase: --passphrase-file (or - for stdin), else
 * $SWARMGUARD_CA_PASSPHRASE, else a hidden prompt on a terminal. Never argv.
 */
export async function caPassphrase(opts: PassphraseOptions): Promise<Buffer | undefined> {
  const fromSource = readSecret({ file: opts.passphraseFile, envVar: defaults.ca.passphraseEnvVar, what: 'the CA passphrase', required: false });
  if (fromSource) return fromSource;
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const first = await promptHidden('CA passphrase: ');
    if (opts.confirm) {
      const second = await promptHidden('CA passphrase again: ');
      if (!first.equals(second)) throw new InputError('ERR_CLI_PASSPHRASE_MISMATCH', 'the two passphrases differ; try again');
    }
    if (first.length === 0) throw new InputError('ERR_CLI_SECRET_EMPTY', 'the CA passphrase is empty; give a non-empty passphrase');
    return first;
  }
  if (!opts.required) return undefined;
  throw new UsageError(
    'ERR_CLI_SECRET_MISSING',
    `the CA passphrase is needed: pass --passphrase-file FILE (or - for stdin) or set ${defaults.ca.passphraseEnvVar}`,
  );
}

/** Test helper: where things are, and whether optional tools exist. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const corporaDir = path.resolve(repoRoot, '..', 'shared', 'corpora');
export const hasCorpora = existsSync(corporaDir);
export const NO_CORPORA = `third-party corpora not found at ${corporaDir} (../shared is absent in a user's checkout)`;
export const cliPath = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export function hasTool(cmd: string, args: string[] = ['version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}
export const interopRequired = process.env.SWARMGUARD_INTEROP === 'required';

export function tempDir(prefix = 'sg-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SWARMGUARD_CA_PASSPHRASE;
  delete env.SWARMGUARD_STATE;
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    env: { ...env, ...opts.env },
    input: opts.input ?? '',
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `runCli` without blocking the event loop: for tests whose servers live in
 * the test process (a token service) and must keep answering while the CLI runs.
 */
export function runCliAsync(args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SWARMGUARD_CA_PASSPHRASE;
  delete env.SWARMGUARD_STATE;
  delete env.SWARMGUARD_NOTARY_AUTH;
  delete env.SWARMGUARD_REGISTRY_AUTH;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...env, ...opts.env }, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The real `openssl` binary as an independent second opinion on what we
 * produce: text dumps and chain verification.
 *
 * Importing this module has no side effects.
 */
import { findBinary } from './interop.js';
import { runChecked, runCommand } from './process.js';

function opensslBinary(): string {
  const openssl = findBinary('openssl');
  if (!openssl) throw new Error("no openssl binary; gate the test with requireTool(t, 'openssl', checks.openssl)");
  return openssl;
}

/** `openssl x509 -text -noout` of one PEM certificate (given on stdin). */
export async function opensslText(pem: string): Promise<string> {
  return (await runChecked(opensslBinary(), ['x509', '-text', '-noout'], { input: pem })).stdout;
}

export interface OpensslVerifyOptions {
  /** PEM file of trusted roots (-CAfile). */
  caFile: string;
  /** PEM file of intermediates offered by the peer (-untrusted). */
  untrustedFile?: string;
  /** The leaf to verify. */
  certFile: string;
  /** -purpose, e.g. 'sslserver' or 'sslclient'. */
  purpose?: string;
  /** -attime, in seconds since the epoch (to test validity windows). */
  atTime?: number;
  /** -partial_chain: accept a chain ending at a trusted intermediate. */
  partialChain?: boolean;
  /** -x509_strict. */
  strict?: boolean;
  extraArgs?: readonly string[];
}

export interface OpensslVerifyResult {
  /** Exit code 0 and "<file>: OK". */
  ok: boolean;
  /** stdout and stderr together: the error lines name the depth and reason. */
  output: string;
}

/** `openssl verify`; never throws for a failed verification, only when openssl cannot run. */
export async function opensslVerify(options: OpensslVerifyOptions): Promise<OpensslVerifyResult> {
  const args = ['verify', '-CAfile', options.caFile];
  if (options.untrustedFile) args.push('-untrusted', options.untrustedFile);
  if (options.purpose) args.push('-purpose', options.purpose);
  if (options.atTime !== undefined) args.push('-attime', String(Math.floor(options.atTime)));
  if (options.partialChain) args.push('-partial_chain');
  if (options.strict) args.push('-x509_strict');
  args.push(...(options.extraArgs ?? []), options.certFile);
  const result = await runCommand(opensslBinary(), args);
  const output = `${result.stdout}${result.stderr}`;
  return { ok: result.code === 0 && result.stdout.includes(`${options.certFile}: OK`), output };
}

/**
 * Whether real-component (interop) tests must run or may be skipped, and the
 * checks that decide whether a component is usable on this machine.
 *
 * SWARMGUARD_INTEROP=required (set by .ci/run): a missing component fails the
 * test. Anything else: the test is skipped with the reason.
 *
 * Importing this module has no side effects.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

export type InteropMode = 'required' | 'optional';

/** Every limit and fixed name the harness uses, in one place. */
export const HARNESS_LIMITS = Object.freeze({
  modeEnvVar: 'SWARMGUARD_INTEROP',
  keepEnvVar: 'SWARMGUARD_INTEROP_KEEP',
  dockerCliEnvVar: 'SWARMGUARD_DOCKER_CLI',
  /** Short on purpose: unix socket paths must stay under 108 bytes. */
  tempRoot: '/tmp',
  commandTimeoutMs: 60_000,
  maxCommandOutputBytes: 16 * 1024 * 1024,
  readyTimeoutMs: 30_000,
  readyIntervalMs: 50,
  /** dockerd waits up to 15 s for containers on SIGTERM (its default shutdown-timeout). */
  stopGraceMs: 20_000,
  /** On SIGINT/SIGTERM, how long graceful cleanup may take before everything is killed. */
  signalCleanupMs: 10_000,
  logTailBytes: 4_000,
  apiTimeoutMs: 30_000,
  /** Directories searched after $PATH: sbin dirs are often missing from a non-login PATH. */
  extraBinDirs: ['/usr/local/sbin', '/usr/sbin', '/sbin'],
});

export function interopMode(env: NodeJS.ProcessEnv = process.env): InteropMode {
  return env[HARNESS_LIMITS.modeEnvVar] === 'required' ? 'required' : 'optional';
}

export function keepTempDirs(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[HARNESS_LIMITS.keepEnvVar] === '1';
}

/** `true` when the component is usable, otherwise the reason it is not. */
export type ToolCheckResult = true | string;
export type ToolCheck = () => ToolCheckResult | Promise<ToolCheckResult>;

/**
 * Gate a test on a real component. Returns true when it is usable. Otherwise,
 * in optional mode, marks the test skipped (`<name> not installed: <why>`) and
 * returns false, so the caller must `return`; in required mode it throws, which
 * fails the test.
 *
 *   if (!(await requireTool(t, 'dockerd', checks.dockerd))) return;
 */
export async function requireTool(t: TestContext, name: string, check: ToolCheck): Promise<boolean> {
  let result: ToolCheckResult;
  try {
    result = await check();
  } catch (e) {
    result = `check failed: ${(e as Error).message}`;
  }
  if (result === true) return true;
  if (interopMode() === 'required') {
    throw new Error(
      `${name} not installed: ${result}. ${HARNESS_LIMITS.modeEnvVar}=required, so real-component tests may not be skipped; ` +
        'install the component (see docs/testing.md) or unset the variable to skip.',
    );
  }
  t.skip(`${name} not installed: ${result}`);
  return false;
}

/** Gate on several components at once; all reasons are reported together. */
export async function requireTools(t: TestContext, checks: Readonly<Record<string, ToolCheck>>): Promise<boolean> {
  const names: string[] = [];
  const reasons: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    let result: ToolCheckResult;
    try {
      result = await check();
    } catch (e) {
      result = `check failed: ${(e as Error).message}`;
    }
    if (result !== true) {
      names.push(name);
      reasons.push(result);
    }
  }
  if (names.length === 0) return true;
  return requireTool(t, names.join(', '), () => reasons.join('; '));
}

/** Absolute path of an executable, searching $PATH then the sbin dirs; undefined when absent. */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...HARNESS_LIMITS.extraBinDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A check that passes when `name` is an executable on this machine. */
export function binaryCheck(name: string, packageHint?: string): ToolCheck {
  return () =>
    findBinary(name) !== undefined ||
    `no \`${name}\` executable in PATH or sbin dirs${packageHint ? ` (Debian package ${packageHint})` : ''}`;
}

/** A check that passes when we run as root (dockerd, namespaces and mounts need it). */
export const rootCheck: ToolCheck = () =>
  process.getuid?.() === 0 || `must run as root (uid ${process.getuid?.() ?? 'unknown'})`;

/** The docker CLI: $SWARMGUARD_DOCKER_CLI, else `docker` on PATH. */
export function dockerCliPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[HARNESS_LIMITS.dockerCliEnvVar];
  return override ? findBinary(override, env) : findBinary('docker', env);
}

/** Ready-made checks, one per real component, keyed by the name used in messages. */
export const checks = Object.freeze({
  root: rootCheck,
  dockerd: binaryCheck('dockerd', 'docker.io'),
  dockerCli: (() =>
    dockerCliPath() !== undefined ||
    `no docker CLI (set ${HARNESS_LIMITS.dockerCliEnvVar} or install Debian package docker.io)`) as ToolCheck,
  containerd: binaryCheck('containerd', 'containerd, a dependency of docker.io'),
  unshare: binaryCheck('unshare', 'util-linux'),
  ip: binaryCheck('ip', 'iproute2'),
  cfssl: binaryCheck('cfssl', 'golang-cfssl'),
  openssl: binaryCheck('openssl', 'openssl'),
});

/** Everything startDockerd needs: root, dockerd, containerd, the docker CLI, unshare and ip. */
export const dockerdChecks: Readonly<Record<string, ToolCheck>> = Object.freeze({
  root: checks.root,
  dockerd: checks.dockerd,
  containerd: checks.containerd,
  docker: checks.dockerCli,
  unshare: checks.unshare,
  ip: checks.ip,
});

/** Gate a test on everything startDockerd needs. */
export function requireDockerd(t: TestContext): Promise<boolean> {
  return requireTools(t, dockerdChecks);
}

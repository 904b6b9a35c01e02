/**
 * Child processes for real-component tests: each gets its own temp dir, its
 * stdout/stderr go to files there, readiness is a probe with a timeout, and
 * stopping signals only the PID we spawned (SIGTERM, then SIGKILL after a grace
 * period). Everything started here is stopped by a node:test `after()` hook,
 * and, as a last resort, killed synchronously when the test process exits.
 *
 * Importing this module has no side effects.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import { HARNESS_LIMITS, keepTempDirs } from './interop.js';

// ---------------------------------------------------------------------------
// Temp dirs

/**
 * A fresh, short temp dir (`/tmp/sgd-XXXXXX`). Short on purpose: unix socket
 * paths must stay under 108 bytes, and dockerd nests sockets a few levels deep.
 * Removed by an `after()` hook unless SWARMGUARD_INTEROP_KEEP=1.
 */
export async function makeTempDir(prefix = 'sgd-'): Promise<string> {
  const dir = await mkdtemp(join(HARNESS_LIMITS.tempRoot, prefix));
  registerCleanup(`rm ${dir}`, () => removeTempDir(dir), () => removeTempDirSync(dir));
  return dir;
}

/**
 * Removes a temp dir we created, but never descends through a mount point
 * (dockerd bind-mounts namespaces and its data root under its dirs).
 */
export async function removeTempDir(dir: string): Promise<void> {
  if (keepTempDirs()) {
    process.stderr.write(`[harness] keeping ${dir} (SWARMGUARD_INTEROP_KEEP=1)\n`);
    return;
  }
  if (!unmountUnder(dir)) {
    process.stderr.write(`[harness] not removing ${dir}: mount points remain under it\n`);
    return;
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

function removeTempDirSync(dir: string): void {
  if (keepTempDirs() || !unmountUnder(dir)) return;
  rmSync(dir, { recursive: true, force: true });
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily unmounts whatever is mounted under `dir`; true when nothing is left. */
function unmountUnder(dir: string): boolean {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    } catch {
      // Reported below by the re-check.
    }
  }
  return mountsUnder(dir).length === 0;
}

// ---------------------------------------------------------------------------
// Cleanup registry

interface CleanupEntry {
  label: string;
  /** Runs the cleanup once; later calls return the same promise. */
  once: () => Promise<void>;
  /** Synchronous fallback for the process 'exit' event, where no await is possible. */
  runSync: () => void;
  done: boolean;
}

/** In registration order; cleanup runs newest first. */
const pending: CleanupEntry[] = [];
let exitHandlerInstalled = false;

/**
 * Registers cleanup with node:test `after()` (the current test's, or the file's
 * when called at top level) and with a synchronous exit-time fallback. Returns
 * a function that runs the cleanup now, once.
 *
 * node:test runs `after` hooks in registration order, but a process must stop
 * before its temp dir goes, so each hook first runs everything registered after
 * it, newest first.
 */
export function registerCleanup(label: string, run: () => Promise<void>, runSync: () => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const entry: CleanupEntry = {
    label,
    runSync,
    done: false,
    once: () => {
      running ??= (async () => {
        try {
          await run();
        } finally {
          entry.done = true;
          const i = pending.indexOf(entry);
          if (i >= 0) pending.splice(i, 1);
        }
      })();
      return running;
    },
  };
  pending.push(entry);
  installExitHandler();
  after(async () => {
    const i = pending.indexOf(entry);
    const later = i >= 0 ? pending.slice(i + 1).reverse() : [];
    const errors: unknown[] = [];
    for (const e of [...later, entry]) {
      try {
        await e.once();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `cleanup failed: ${label}`);
  });
  return entry.once;
}

const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runAllSync(): void {
  // Newest first: processes registered after their temp dir stop before it goes.
  for (const entry of [...pending].reverse()) {
    if (entry.done) continue;
    try {
      entry.runSync();
    } catch {
      // Best effort at exit.
    }
  }
}

async function runAllAsync(): Promise<void> {
  for (const entry of [...pending].reverse()) {
    try {
      await entry.once();
    } catch {
      // Best effort; the sync pass follows.
    }
  }
}

/**
 * Last-resort cleanup. 'exit' covers process.exit() and uncaught errors; a
 * signal (a CI timeout's SIGTERM, Ctrl-C) would otherwise kill the test process
 * without 'exit' and orphan dockerd. On a signal we stop everything gracefully
 * (bounded), then re-raise it if nobody else handles it.
 */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', runAllSync);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const reraise = (): void => {
      runAllSync();
      for (const s of CLEANUP_SIGNALS) process.off(s, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    if (signalled) {
      reraise();
      return;
    }
    signalled = true;
    process.stderr.write(`[harness] ${signal}: stopping ${pending.length} harness resource(s)\n`);
    void Promise.race([runAllAsync(), delay(HARNESS_LIMITS.signalCleanupMs)]).finally(reraise);
  };
  for (const s of CLEANUP_SIGNALS) process.on(s, onSignal);
}

// ---------------------------------------------------------------------------
// One-shot commands

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a binary (no shell), never throws for a non-zero exit; inspect `code`. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? HARNESS_LIMITS.commandTimeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: HARNESS_LIMITS.maxCommandOutputBytes,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          // Spawn failure (ENOENT, EACCES...), not an exit status.
          reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error }));
          return;
        }
        const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
        const signal = error ? ((error as { signal?: NodeJS.Signals | null }).signal ?? null) : null;
        resolve({ code, signal, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like runCommand, but throws with both streams when the exit code is not 0. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stderr.trim()}\n${result.stdout.trim()}`,
    );
  }
  return result;
}

// ---------------------------------------------------------------------------
// Long-running processes

export interface ReadyProbe {
  /** Resolves true when the process is ready; thrown errors count as "not yet". */
  probe: () => Promise<boolean>;
  timeoutMs?: number;
  intervalMs?: number;
}

export interface StartProcessOptions {
  /** Short name used in messages and log file names. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Working and log dir; a fresh temp dir when absent. */
  tmp?: string;
  ready?: ReadyProbe;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  graceMs?: number;
  /** Extra async cleanup after the process has exited (before its temp dir goes). */
  afterExit?: () => Promise<void>;
  /** Synchronous variant of afterExit for the exit-time fallback. */
  afterExitSync?: () => void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly tmp: string;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Settles when the process exits, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  running(): boolean;
  /** The last `maxBytes` of stdout and stderr, for failure messages. */
  logs(maxBytes?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after the grace period; idempotent. */
  stop(): Promise<ExitStatus>;
}

/**
 * Starts `command` with stdout/stderr redirected to `<tmp>/<name>.stdout|.stderr`,
 * waits for `ready.probe` and registers stop + cleanup with `after()`.
 * Throws, with the log tails, if the process exits or is not ready in time.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const tmp = options.tmp ?? (await makeTempDir());
  const stdoutPath = join(tmp, `${options.name}.stdout`);
  const stderrPath = join(tmp, `${options.name}.stderr`);
  const outFd = openSync(stdoutPath, 'a');
  const errFd = openSync(stderrPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: tmp,
      env: options.env ?? process.env,
      stdio: ['ignore', outFd, errFd],
      // Same process group as the test: we only ever signal child.pid itself.
      detached: false,
    });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const first = await Promise.race([
    spawnError,
    new Promise<'spawned'>((resolve) => child.once('spawn', () => resolve('spawned'))),
  ]);
  if (first instanceof Error) {
    throw new Error(`cannot start ${options.name} (${options.command}): ${first.message}`, { cause: first });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${options.name}: no PID`);

  const logs = async (maxBytes: number = HARNESS_LIMITS.logTailBytes): Promise<string> => {
    const tail = async (path: string): Promise<string> => {
      try {
        const text = await readFile(path, 'utf8');
        return text.length > maxBytes ? `...${text.slice(-maxBytes)}` : text;
      } catch {
        return '';
      }
    };
    return `--- ${stdoutPath}\n${await tail(stdoutPath)}\n--- ${stderrPath}\n${await tail(stderrPath)}`;
  };

  let stopping: Promise<ExitStatus> | undefined;
  let stopRequested = false;
  const stop = (): Promise<ExitStatus> => {
    stopping ??= (async () => {
      stopRequested = true;
      if (!hasExited) signalOwn(pid, 'SIGTERM');
      const graceMs = options.graceMs ?? HARNESS_LIMITS.stopGraceMs;
      const inTime = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
      if (!inTime) {
        process.stderr.write(`[harness] ${options.name} (pid ${pid}) ignored SIGTERM for ${graceMs} ms; sending SIGKILL\n`);
        signalOwn(pid, 'SIGKILL');
      }
      const status = await exited;
      if (options.afterExit) await options.afterExit();
      return status;
    })();
    return stopping;
  };

  const handle: ManagedProcess = {
    name: options.name,
    pid,
    tmp,
    stdoutPath,
    stderrPath,
    exited,
    running: () => !hasExited,
    logs,
    stop,
  };

  // Before readiness a death is reported by the thrown error instead.
  let isReady = false;
  void exited.then(async (status) => {
    if (!stopRequested && isReady) {
      process.stderr.write(
        `[harness] ${options.name} (pid ${pid}) exited unexpectedly (${status.code ?? status.signal})\n${await logs()}\n`,
      );
    }
  });

  registerCleanup(
    `stop ${options.name} (pid ${pid})`,
    async () => {
      await stop();
    },
    () => {
      if (!hasExited) signalOwn(pid, 'SIGKILL');
      options.afterExitSync?.();
    },
  );

  if (options.ready) {
    try {
      await waitFor(options.ready.probe, {
        timeoutMs: options.ready.timeoutMs ?? HARNESS_LIMITS.readyTimeoutMs,
        intervalMs: options.ready.intervalMs ?? HARNESS_LIMITS.readyIntervalMs,
        what: `${options.name} to become ready`,
        abort: exited.then((s) => `${options.name} exited with ${s.code ?? s.signal} before it was ready`),
      });
    } catch (e) {
      await stop();
      throw new Error(`${(e as Error).message}\n${await logs()}`, { cause: e });
    }
  }
  isReady = true;
  return handle;
}

/** Signals a PID we spawned; a process that is already gone is not an error. */
function signalOwn(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

// ---------------------------------------------------------------------------
// Small utilities

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Finishes the sentence "timed out waiting for ...". */
  what: string;
  /** Settles with a reason to give up early (e.g. the process died). */
  abort?: Promise<string>;
}

/** Polls `probe` until it returns true; throws on timeout or abort. */
export async function waitFor(probe: () => Promise<boolean>, options: WaitForOptions): Promise<void> {
  let aborted: string | undefined;
  void options.abort?.then((reason) => {
    aborted = reason;
  });
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (aborted !== undefined) throw new Error(aborted);
    try {
      if (await probe()) return;
    } catch (e) {
      lastError = e;
    }
    if (aborted !== undefined) throw new Error(aborted);
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`);
    }
    await delay(options.intervalMs);
  }
}

/** Whether a PID is alive and its command line contains `marker` (so we only touch our own). */
export function pidMatches(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/**
 * A TCP port that was free on `host` a moment ago. Another process can still
 * take it before we use it; callers that bind later should retry on EADDRINUSE.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}

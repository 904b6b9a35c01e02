/**
 * Server processes for the benchmarks: spawned directly (no shell) so that
 * the PID we measure and stop is the server itself; CPU time from
 * /proc/<pid>/stat; stopped by PID with SIGTERM, then SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface ServerProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** user+system CPU of the process so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const CLK_TCK = 100;
const started = new Set<ServerProcess>();

/** Last-resort: kill what we started if the benchmark dies. */
process.on('exit', () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name may hold spaces; fields after ")" are fixed
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

export function spawnServer(name: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ServerProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', out], env });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${name} (${command})`);
  const proc: ServerProcess = {
    name,
    pid,
    child,
    logFile,
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      started.delete(proc);
    },
  };
  started.add(proc);
  return proc;
}

/** The first line of stdout (our server prints its JSON document there). */
export function readStdout(p: ServerProcess, until: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${p.name}: no ready output in ${timeoutMs} ms; see ${p.logFile}`)), timeoutMs);
    p.child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (until(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    p.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${p.name} exited with ${code} before it was ready; see ${p.logFile}`));
    });
  });
}

export async function waitForPort(host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `npm run bench`: the CA benchmarks, bounded and on 127.0.0.1 only.
 *
 *   node dist/bench/run.js [--rounds N] [--csrs N] [--concurrency 16,32]
 *                          [--transports mtls,http] [--only serve|issue|trust|audit] [--quick]
 *                          [--verify-threads N] [--issue-threads N]   (passed to ca serve)
 *                          [--server-cpu-prof DIR]   (V8 CPU profile of ca serve, node --cpu-prof)
 *
 * Prints the environment, per-round lines on stderr, then markdown tables on
 * stdout. Servers it starts are stopped by PID, also when it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchInProcess } from './ca-issue.js';
import { benchCaServe, type Transport } from './ca-serve.js';
import { makeCsrs } from './csr.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cliPath = path.resolve(here, '..', 'src', 'cli', 'main.js');
const log = (m: string): void => void process.stderr.write(`${m}\n`);

const USAGE =
  'usage: run.js [--rounds 1..20] [--csrs 100..50000] [--concurrency 16,32] [--transports mtls,http] [--only serve|issue|trust|audit] [--quick] [--verify-threads N] [--issue-threads N] [--server-cpu-prof DIR]';
let parsed;
try {
  parsed = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      csrs: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '16,32' },
      transports: { type: 'string', default: 'mtls,http' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'verify-threads': { type: 'string' },
      'issue-threads': { type: 'string' },
      'server-cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const rounds = values.quick ? 1 : Number(values.rounds);
const nCsrs = values.quick ? 2000 : Number(values.csrs);
const concurrencies = values.concurrency!.split(',').map(Number);
const transports = values.transports!.split(',') as Transport[];
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20 || !Number.isInteger(nCsrs) || nCsrs < 100 || nCsrs > 50_000 || concurrencies.some((c) => !Number.isInteger(c) || c < 1 || c > 256) || transports.some((t) => t !== 'mtls' && t !== 'http')) {
  log(USAGE);
  process.exit(2);
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const version = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]!.trim() : 'missing';
};

async function main(): Promise<void> {
  if (values.only === 'audit') {
    // Audit (issue #5): local real engine vs docker-bench-security, synthetic 4,700-node evaluation.
    const { benchAudit } = await import('./audit.js');
    const env = [`node ${process.version}, ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`, `command: node dist/bench/run.js ${process.argv.slice(2).join(' ')}`];
    env.forEach(log);
    const lines = await benchAudit({ cliPath, runs: values.quick ? 3 : process.argv.includes('--rounds') ? rounds : 5, evalRounds: values.quick ? 3 : 5, log });
    process.stdout.write(['## Audit benchmarks', '', ...env.map((e) => `- ${e}`), '', ...lines, `load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`, ''].join('\n'));
    return;
  }
  if (values.only === 'trust') {
    // Trust (issue #4): CLI vs notary CLI, in-process warm tag, 10,000-target repository; --rounds = CLI runs (default 20).
    const { benchTrust } = await import('./trust.js');
    const repeat = values.quick ? 5 : process.argv.includes('--rounds') ? rounds : 20;
    const env = [`node ${process.version}, ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`, `command: node dist/bench/run.js ${process.argv.slice(2).join(' ')}`];
    env.forEach(log);
    const lines = await benchTrust({ repeat, calls: 1000, cliPath, log });
    process.stdout.write(['## Trust benchmarks', '', ...env.map((e) => `- ${e}`), '', ...lines, `load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`, ''].join('\n'));
    return;
  }
  const cfssl = spawnSync('cfssl', ['version'], { encoding: 'utf8' }).status === 0 ? 'cfssl' : undefined;
  const env = [
    `node ${process.version}, ${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`,
    `cfssl: ${cfssl ? version('cfssl', ['version']).replace(/\s+/g, ' ') : 'missing (the side-by-side part is skipped)'}`,
    `command: node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
  ];
  env.forEach(log);

  const t0 = performance.now();
  // the in-process part always needs 4,700
  const csrs = makeCsrs(Math.max(nCsrs, values.only === 'serve' ? 0 : 4700));
  log(`generated ${csrs.length} distinct P-256 CSRs in ${fmt(performance.now() - t0)} ms (before any timing)`);
  const out: string[] = ['## CA benchmarks', '', ...env.map((e) => `- ${e}`), ''];

  if (values.only !== 'serve') {
    log('in-process issuance of 4,700 node certificates:');
    const rows = await benchInProcess({ n: 4700, csrs, rounds, log });
    out.push(
      `### In-process: 4,700 node certificates (median of ${rounds} round${rounds > 1 ? 's' : ''})`,
      '',
      '| Mode | What each includes | Time for 4,700 | certs/s | CPU ms/cert | certs/s per round |',
      '|---|---|---:|---:|---:|---|',
      ...rows.map((r) => `| ${r.mode} | ${r.covers} | **${fmt(r.totalMs)} ms** | ${fmt(r.certsPerSec)} | ${fmt(r.cpuMsPerCert, 3)} | ${r.perRound.map((x) => fmt(x)).join(' / ')} |`),
      '',
    );
    // the floor: the three node:crypto calls alone, on the same number of threads as the pool
    const { cryptoFloor } = await import('./crypto-floor.js');
    const { defaultIssuerThreads } = await import('../src/ca/issuer-pool.js');
    const threads = defaultIssuerThreads();
    try {
      const floor = await cryptoFloor({ n: 4700, threads, rounds: Math.max(3, rounds) });
      log(`crypto floor (key import + verify + sign only, ${threads} threads): ${floor.ms.map((x) => fmt(x)).join(' / ')} ms`);
      out.push(
        `Floor: node:crypto alone (P-256 key import from JWK + CSR signature verify + certificate sign, nothing else) on ${threads} worker threads: **${fmt(floor.median)} ms** for 4,700 (rounds ${floor.ms.map((x) => fmt(x)).join(' / ')} ms).`,
        '',
      );
    } catch (e) {
      log(`crypto floor skipped: ${(e as Error).message}`);
      out.push(`Floor: not measured (${(e as Error).message}).`, '');
    }
  }

  if (values.only !== 'issue') {
    if (!cfssl) {
      out.push('### ca serve vs cfssl serve', '', 'skipped: `cfssl` is not installed (Debian package golang-cfssl).', '');
    } else {
      const workDir = mkdtempSync(path.join(tmpdir(), 'sgb-'));
      try {
        const stateDir = path.join(workDir, 'state');
        const passFile = path.join(workDir, 'pass');
        writeFileSync(passFile, 'bench passphrase, not a secret\n', { mode: 0o600 });
        const init = spawnSync(process.execPath, [cliPath, '--state', stateDir, 'ca', 'init', '--passphrase-file', passFile], { encoding: 'utf8' });
        if (init.status !== 0) throw new Error(`ca init failed: ${init.stderr}`);
        log(`swarmguard ca serve vs cfssl serve, ${transports.join(' and ')}, concurrency ${concurrencies.join(' and ')}:`);
        const r = await benchCaServe({
          workDir,
          cliPath,
          stateDir,
          passFile,
          passphrase: Buffer.from(readFileSync(passFile, 'utf8').trim()),
          csrs: csrs.slice(0, nCsrs),
          concurrencies,
          transports,
          rounds,
          warmup: 3000,
          ...(values['verify-threads'] !== undefined ? { verifyThreads: Number(values['verify-threads']) } : {}),
          ...(values['issue-threads'] !== undefined ? { issueThreads: Number(values['issue-threads']) } : {}),
          ...(values['server-cpu-prof'] !== undefined ? { serverCpuProfDir: values['server-cpu-prof'] } : {}),
          cfssl,
          log,
        });
        const label = (t: Transport): string => (t === 'mtls' ? 'mutual TLS' : 'plain HTTP');
        out.push(
          `### \`swarmguard ca serve\` vs \`cfssl serve\`: ${fmt(nCsrs)} distinct CSRs per run, median of ${rounds} round${rounds > 1 ? 's' : ''}`,
          '',
          '| Transport | Clients | Server | certs/s | p50 ms | p99 ms | server CPU ms/cert | certs/s per round | failures |',
          '|---|---:|---|---:|---:|---:|---:|---|---:|',
          ...r.rows.map((x) => `| ${label(x.transport)} | ${x.concurrency} | ${x.server === 'swarmguard' ? '**swarmguard**' : 'cfssl'} | ${fmt(x.certsPerSec)} | ${fmt(x.p50, 1)} | ${fmt(x.p99, 1)} | ${fmt(x.serverCpuMsPerCert, 3)} | ${x.perRound.map((v) => fmt(v)).join(' / ')} | ${x.failures} |`),
          '',
          '| Transport | Clients | ours / cfssl, throughput | ours / cfssl, CPU efficiency |',
          '|---|---:|---:|---:|',
          ...r.ratios.map((x) => `| ${label(x.transport)} | ${x.concurrency} | **${fmt(x.throughput, 2)}×** | ${fmt(x.cpuPerCert, 2)}× |`),
          '',
        );
        if (r.rows.some((x) => x.failures > 0)) process.exitCode = 1;
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    }
  }
  out.push(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`, '');
  process.stdout.write(out.join('\n'));
}

main().catch((e: unknown) => {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});

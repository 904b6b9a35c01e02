/**
 * `swarmguard ca serve` against `cfssl serve` (Debian golang-cfssl), side by
 * side: same CA key and certificate, same SwarmKit-shaped requests, same
 * transport (both mutual TLS with one server certificate, or both plain HTTP),
 * same keep-alive client and concurrency. Each round runs both servers back
 * to back, alternating which goes first.
 */
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CertificateAuthority } from '../src/ca/authority.js';
import { loadCaKey, requireCaState } from '../src/ca/state.js';
import { systemClock } from '../src/core/clock.js';
import { FileStore } from '../src/store/file-store.js';
import { makeP256Csr, makeP256CsrWithKey, signRequestBody, swarmId } from './csr.js';
import { percentile, runLoad, type ClientTls, type LoadResult } from './load.js';
import { median, readStdout, spawnServer, waitForPort, type ServerProcess } from './proc.js';

export type Transport = 'mtls' | 'http';
export type ServerName = 'swarmguard' | 'cfssl';

export interface ServeBenchOptions {
  workDir: string;
  cliPath: string;
  stateDir: string;
  passFile: string;
  passphrase: Buffer;
  csrs: string[];
  concurrencies: number[];
  transports: Transport[];
  rounds: number;
  warmup: number;
  cfssl: string;
  /** --verify-threads for ca serve; its default when absent. */
  verifyThreads?: number;
  /** --issue-threads for ca serve; its default when absent. */
  issueThreads?: number;
  /** Write a V8 CPU profile of our server into this directory (node --cpu-prof). */
  serverCpuProfDir?: string;
  log: (msg: string) => void;
}

export interface ServeRow {
  transport: Transport;
  concurrency: number;
  server: ServerName;
  certsPerSec: number;
  p50: number;
  p99: number;
  serverCpuMsPerCert: number;
  perRound: number[];
  failures: number;
}

export interface ServeBenchResult {
  rows: ServeRow[];
  /** ours / cfssl, median of per-round ratios, per transport and concurrency. */
  ratios: Array<{ transport: Transport; concurrency: number; throughput: number; cpuPerCert: number }>;
}

interface RunningServer {
  name: ServerName;
  proc: ServerProcess;
  url: string;
}

const CFSSL_CONFIG = {
  // spec 11: a default profile like the one the real swarm was rotated onto
  signing: { default: { usages: ['signing', 'key encipherment', 'server auth', 'client auth'], expiry: '2160h' } },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** CA files for cfssl (the same root and key, decrypted, 0600) and one TLS identity for both servers and the client. */
async function material(o: ServeBenchOptions): Promise<{ caCert: string; caKey: string; tlsCert: string; tlsKey: string; client: ClientTls; rootPem: string }> {
  const store = new FileStore(o.stateDir);
  const state = await requireCaState(store);
  const key = await loadCaKey(store, state.signer.keyRef!, o.passphrase);
  const caCert = path.join(o.workDir, 'ca.pem');
  const caKey = path.join(o.workDir, 'ca-key.pem');
  writeFileSync(caCert, state.signer.certPem);
  writeFileSync(caKey, key.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  const ca = await CertificateAuthority.open(store, { passphrase: o.passphrase, clock: systemClock });
  const ident = async (profile: string, cn: string, hosts: string[]): Promise<{ cert: string; key: string }> => {
    const { csrPem, keyPem } = makeP256CsrWithKey();
    const issued = await ca.issue({ csr: Buffer.from(csrPem), profile, subject: [['CN', cn]], hosts, via: 'bench' });
    return { cert: issued.chainPem, key: keyPem };
  };
  const server = await ident('server', 'bench-server', ['127.0.0.1']);
  const client = await ident('client', 'bench-client', []);
  await store.close();
  const tlsCert = path.join(o.workDir, 'tls.pem');
  const tlsKey = path.join(o.workDir, 'tls-key.pem');
  writeFileSync(tlsCert, server.cert);
  writeFileSync(tlsKey, server.key, { mode: 0o600 });
  writeFileSync(path.join(o.workDir, 'root.pem'), state.trustRootPem);
  writeFileSync(path.join(o.workDir, 'config.json'), JSON.stringify(CFSSL_CONFIG, null, 2));
  return { caCert, caKey, tlsCert, tlsKey, rootPem: state.trustRootPem, client: { ca: state.trustRootPem, cert: client.cert, key: client.key } };
}

async function startOurs(o: ServeBenchOptions, transport: Transport, m: Awaited<ReturnType<typeof material>>): Promise<RunningServer> {
  const args = [o.cliPath, '--json', '--state', o.stateDir, 'ca', 'serve', '--listen', '127.0.0.1:0', '--passphrase-file', o.passFile];
  if (o.verifyThreads !== undefined) args.push('--verify-threads', String(o.verifyThreads));
  if (o.issueThreads !== undefined) args.push('--issue-threads', String(o.issueThreads));
  if (transport === 'http') args.push('--insecure-http');
  else args.push('--cert', m.tlsCert, '--key', m.tlsKey, '--client-ca', path.join(o.workDir, 'root.pem'));
  if (o.serverCpuProfDir !== undefined) args.unshift('--cpu-prof', '--cpu-prof-dir', o.serverCpuProfDir);
  const proc = spawnServer('swarmguard ca serve', process.execPath, args, path.join(o.workDir, `swarmguard-${transport}.log`));
  const out = await readStdout(proc, (t) => t.includes('}'));
  const doc = JSON.parse(out) as { signUrl: string };
  return { name: 'swarmguard', proc, url: doc.signUrl };
}

async function startCfssl(o: ServeBenchOptions, transport: Transport, m: Awaited<ReturnType<typeof material>>): Promise<RunningServer> {
  const port = await freePort();
  // -loglevel 5: logging off, as SwarmKit runs cfssl's signer (perf-baselines part 3); we log nothing per request either
  const args = ['serve', '-address', '127.0.0.1', '-port', String(port), '-ca', m.caCert, '-ca-key', m.caKey, '-config', path.join(o.workDir, 'config.json'), '-loglevel', '5'];
  if (transport === 'mtls') args.push('-tls-cert', m.tlsCert, '-tls-key', m.tlsKey, '-mutual-tls-ca', path.join(o.workDir, 'root.pem'));
  const proc = spawnServer('cfssl serve', o.cfssl, args, path.join(o.workDir, `cfssl-${transport}.log`));
  await waitForPort('127.0.0.1', port);
  return { name: 'cfssl', proc, url: `${transport === 'mtls' ? 'https' : 'http'}://127.0.0.1:${port}/api/v1/cfssl/sign` };
}

export async function benchCaServe(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const m = await material(o);
  const clusterId = swarmId();
  const bodies = o.csrs.map((csr, i) => signRequestBody(csr, clusterId, swarmId(), i % 10 === 0 ? 'manager' : 'worker'));
  const warm = Array.from({ length: o.warmup }, () => signRequestBody(makeP256Csr(), clusterId, swarmId(), 'worker'));
  const warmConcurrency = Math.max(...o.concurrencies);
  type Sample = { transport: Transport; concurrency: number; server: ServerName; round: number; r: LoadResult; serverCpuMs: number };
  const samples: Sample[] = [];

  for (const transport of o.transports) {
    const servers: RunningServer[] = [];
    try {
      servers.push(await startOurs(o, transport, m), await startCfssl(o, transport, m));
      const tls = transport === 'mtls' ? m.client : undefined;
      for (const s of servers) {
        // the first pass after start runs up to 1.5x slower on both sides (JIT, heap sizing): not measured
        const w = await runLoad(s.url, warm, warmConcurrency, tls);
        if (w.failures) throw new Error(`${s.name} (${transport}) fails the warm-up: ${w.firstFailure}`);
      }
      for (let round = 0; round < o.rounds; round++) {
        for (const concurrency of o.concurrencies) {
          const order = round % 2 === 0 ? servers : [...servers].reverse();
          for (const s of order) {
            const cpu0 = s.proc.cpuMs();
            const r = await runLoad(s.url, bodies, concurrency, tls);
            const serverCpuMs = s.proc.cpuMs() - cpu0;
            samples.push({ transport, concurrency, server: s.name, round, r, serverCpuMs });
            o.log(
              `  ${transport} c=${concurrency} round ${round + 1}: ${s.name.padEnd(10)} ${((r.requests / r.wallMs) * 1000).toFixed(0).padStart(5)} certs/s  p50 ${percentile(r.latencies, 50).toFixed(1)} ms  p99 ${percentile(r.latencies, 99).toFixed(1)} ms  server ${(serverCpuMs / r.requests).toFixed(3)} ms CPU/cert${r.failures ? `  FAILURES ${r.failures}: ${r.firstFailure}` : ''}`,
            );
          }
        }
      }
    } finally {
      for (const s of servers) await s.proc.stop();
    }
  }

  const rows: ServeRow[] = [];
  const ratios: ServeBenchResult['ratios'] = [];
  for (const transport of o.transports) {
    for (const concurrency of o.concurrencies) {
      for (const server of ['swarmguard', 'cfssl'] as const) {
        const mine = samples.filter((s) => s.transport === transport && s.concurrency === concurrency && s.server === server);
        const rates = mine.map((s) => (s.r.requests / s.r.wallMs) * 1000);
        rows.push({
          transport,
          concurrency,
          server,
          certsPerSec: median(rates),
          p50: median(mine.map((s) => percentile(s.r.latencies, 50))),
          p99: median(mine.map((s) => percentile(s.r.latencies, 99))),
          serverCpuMsPerCert: median(mine.map((s) => s.serverCpuMs / s.r.requests)),
          perRound: rates,
          failures: mine.reduce((a, s) => a + s.r.failures, 0),
        });
      }
      const per = (server: ServerName) => samples.filter((s) => s.transport === transport && s.concurrency === concurrency && s.server === server).sort((a, b) => a.round - b.round);
      const ours = per('swarmguard');
      const theirs = per('cfssl');
      ratios.push({
        transport,
        concurrency,
        throughput: median(ours.map((s, i) => (s.r.requests / s.r.wallMs) / (theirs[i]!.r.requests / theirs[i]!.r.wallMs))),
        cpuPerCert: median(ours.map((s, i) => theirs[i]!.serverCpuMs / theirs[i]!.r.requests / (s.serverCpuMs / s.r.requests))),
      });
    }
  }
  return { rows, ratios };
}

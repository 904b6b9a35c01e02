/**
 * Trust benchmarks (issue #4 "Speed"), run by `node dist/bench/run.js --only trust`:
 *
 *  (a) CLI vs CLI against a notary-server on 127.0.0.1 (the interop harness's
 *      PKI and config; the repository published with the `notary` client):
 *      `swarmguard trust verify GUN:TAG --server URL --ca CA --root-key-id ID`
 *      vs `notary -s URL -d DIR --tlscacert CA list GUN`, cold and warm, plus
 *      the start-up floors (`notary version`, `node main.js --help`, `node -e 0`);
 *  (b) in-process warm verification of one tag (an admission hook's path):
 *      the full update from metadata held in memory with a filled trust
 *      cache, the lookup on an already verified set, and the full update
 *      over HTTPS from the same notary-server (keep-alive);
 *  (c) in-process verification of a generated repository with 10,000
 *      targets and 20 delegations (test/trust/helpers/notary-repo.ts).
 *
 * Processes it starts are stopped by PID (bench/proc.ts), also on failure.
 * The harness's process helpers register node:test `after()` hooks, which
 * would print TAP on stdout here, so only its PKI maker (no hooks when given
 * a directory) and freePort are reused; the server config is the harness's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixedClock, systemClock } from '../src/core/clock.js';
import type { StateStore } from '../src/store/state-store.js';
import { createFetcher } from '../src/trust/fetcher.js';
import { recordTrust } from '../src/trust/notary/cache.js';
import { resolveDockerTag } from '../src/trust/notary/lookup.js';
import { NotaryServerSource } from '../src/trust/notary/source-http.js';
import type { FetchRequest, MetadataSource } from '../src/trust/notary/update.js';
import { verifyNotaryRepository, verifyNotaryTag } from '../src/trust/notary/verify.js';
import { buildRepo, newKey, targetMeta, type DelegationSpec } from '../test/trust/helpers/notary-repo.js';
import { makeNotaryPki } from '../test/interop/harness/notary.js';
import { freePort } from '../test/interop/harness/process.js';
import { spawnServer, type ServerProcess } from './proc.js';

export interface TrustBenchOptions {
  /** Repetitions of every CLI measurement. */
  repeat: number;
  /** In-process warm calls. */
  calls: number;
  cliPath: string;
  log: (m: string) => void;
}

const PASSPHRASES = {
  NOTARY_ROOT_PASSPHRASE: 'bench-root-pass',
  NOTARY_TARGETS_PASSPHRASE: 'bench-targets-pass',
  NOTARY_SNAPSHOT_PASSPHRASE: 'bench-snapshot-pass',
  NOTARY_DELEGATION_PASSPHRASE: 'bench-delegation-pass',
};
const GUN = '127.0.0.1:5000/bench/app';
const TAG = 'v1';

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A StateStore in memory: the trust cache without disk I/O (as a long-running hook would hold it). */
export class MemoryStore implements StateStore {
  readonly location = 'memory';
  private readonly data = new Map<string, Buffer>();
  private lock: Promise<unknown> = Promise.resolve();
  async read(key: string): Promise<Buffer | undefined> {
    return this.data.get(key);
  }
  async write(key: string, data: Uint8Array | string): Promise<void> {
    this.data.set(key, Buffer.from(data));
  }
  async append(key: string, data: Uint8Array | string): Promise<void> {
    this.data.set(key, Buffer.concat([this.data.get(key) ?? Buffer.alloc(0), Buffer.from(data)]));
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

/** Metadata files held in memory, served by role name (what a server serves at <role>.json). */
export class MemorySource implements MetadataSource {
  readonly description = 'memory';
  constructor(private readonly files: ReadonlyMap<string, Buffer>) {}
  async fetch(req: FetchRequest): Promise<Buffer | undefined> {
    const b = this.files.get(req.version !== undefined ? `${req.version}.${req.role}.json` : `${req.role}.json`);
    if (b !== undefined && b.length > req.maxBytes) throw new Error(`${req.role}: ${b.length} bytes > ${req.maxBytes}`);
    return b;
  }
}

function timeSpawn(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

function check(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function healthy(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/_notary_server/health', ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** notary-server with memory storage and the local ed25519 signer (the harness's config, spec §1). */
async function startNotaryServer(dir: string, pki: { caCert: string; serverCert: string; serverKey: string }): Promise<{ url: string; server: ServerProcess }> {
  const port = await freePort('127.0.0.1');
  const config = path.join(dir, 'server.json');
  writeFileSync(
    config,
    JSON.stringify({
      server: { http_addr: `127.0.0.1:${port}`, tls_key_file: pki.serverKey, tls_cert_file: pki.serverCert },
      trust_service: { type: 'local' },
      storage: { backend: 'memory' },
      logging: { level: 'error' },
    }),
  );
  const server = spawnServer('notary-server', 'notary-server', ['-config', config, '-logf', 'logfmt'], path.join(dir, 'notary-server.log'));
  server.child.stdout?.resume();
  const ca = readFileSync(pki.caCert);
  const until = Date.now() + 20_000;
  while (!(await healthy(port, ca))) {
    if (server.child.exitCode !== null) throw new Error(`notary-server exited with ${server.child.exitCode}: ${readFileSync(server.logFile, 'utf8').slice(-2000)}`);
    if (Date.now() > until) throw new Error('notary-server not ready in 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `https://127.0.0.1:${port}`, server };
}

interface Series {
  what: string;
  command: string;
  ms: number[];
}

function row(s: Series): string {
  return `| ${s.what} | \`${s.command}\` | ${s.ms.length} | **${fmt(median(s.ms))}** | ${fmt(quantile(s.ms, 0.9))} | ${fmt(Math.min(...s.ms))} |`;
}

/** (c) A generated repository: 10,000 targets (2,000 in targets, 400 in each of 20 delegations). */
export function bigRepo(): { files: Map<string, Buffer>; rootKeyIds: string[]; gun: string } {
  const gun = 'registry.example/bench/big';
  const manifest = (i: number): ReturnType<typeof targetMeta> => targetMeta(`manifest ${i}`);
  const targets: Record<string, ReturnType<typeof targetMeta>> = {};
  for (let i = 0; i < 2000; i++) targets[`t${i}`] = manifest(i);
  const delegations: DelegationSpec[] = [];
  let n = 2000;
  for (let d = 0; d < 20; d++) {
    const t: Record<string, ReturnType<typeof targetMeta>> = {};
    for (let i = 0; i < 400; i++, n++) t[`d${d}-${i}`] = manifest(n);
    delegations.push({ name: d === 0 ? 'targets/releases' : `targets/team${d}`, keys: [newKey('ecdsa')], targets: t });
  }
  const repo = buildRepo({ gun, targets, delegations });
  return { files: repo.files, rootKeyIds: repo.spec.rootKeys.map((k) => k.id), gun };
}

export async function benchTrust(o: TrustBenchOptions): Promise<string[]> {
  const { repeat, calls, cliPath, log } = o;
  const out: string[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'sgbt-'));
  let server: ServerProcess | undefined;
  try {
    // ---- setup: PKI, notary-server, a published repository
    const pki = await makeNotaryPki(work);
    const started = await startNotaryServer(work, pki);
    server = started.server;
    const url = started.url;
    const env = { ...process.env, ...PASSPHRASES };
    const pubDir = path.join(work, 'publisher');
    const notary = (dir: string, args: string[]): string[] => ['-s', url, '-d', dir, '--tlscacert', pki.caCert, ...args];
    check('notary', notary(pubDir, ['init', GUN]), env);
    for (const [tag, content] of [
      [TAG, '{"schemaVersion":2,"bench":1}'],
      ['v2', 'second manifest'],
      ['latest', 'third'],
    ] as const) {
      const f = path.join(work, `m-${tag}`);
      writeFileSync(f, content);
      check('notary', notary(pubDir, ['add', GUN, tag, f]), env);
    }
    check('notary', notary(pubDir, ['publish', GUN]), env);
    const root = JSON.parse(readFileSync(path.join(pubDir, 'tuf', ...GUN.split('/'), 'metadata', 'root.json'), 'utf8')) as { signed: { roles: { root: { keyids: string[] } } } };
    const rootKeyId = root.signed.roles.root.keyids[0]!;
    // Debian's build prints an empty "Version:"; the package version says which notary it is.
    const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'notary'], { encoding: 'utf8' });
    const goVersion = /Go version:\s*(\S+)/.exec(check('notary', ['version']))?.[1] ?? '?';
    const notaryVersion = `notary ${pkg.status === 0 && pkg.stdout ? pkg.stdout.trim() : '(version unknown)'} (${goVersion})`;
    log(`notary-server at ${url} (pid ${server.pid}), ${notaryVersion}; published ${GUN} with 3 tags, root key ${rootKeyId.slice(0, 12)}…`);

    // ---- (a) CLI vs CLI
    const ours = (state: string): string[] => [cliPath, '--state', state, 'trust', 'verify', `${GUN}:${TAG}`, '--server', url, '--ca', pki.caCert, '--root-key-id', rootKeyId];
    const theirs = (dir: string): string[] => notary(dir, ['list', GUN]);
    const oursOut = check(process.execPath, [cliPath, '--json', ...ours(path.join(work, 'check-state')).slice(1)]);
    const digest = (JSON.parse(oursOut) as { digest: string }).digest;
    const listed = check('notary', theirs(path.join(work, 'check-trust')), env);
    if (!listed.includes(digest.replace(/^sha256:/, ''))) throw new Error(`notary list does not show ${digest}:\n${listed}`);
    log(`both agree: ${GUN}:${TAG} → ${digest}`);

    const series: Record<string, Series> = {
      oursCold: { what: 'swarmguard trust verify, cold (empty state dir)', command: `node dist/src/cli/main.js --state NEW trust verify ${GUN}:${TAG} --server URL --ca CA --root-key-id ID`, ms: [] },
      notaryCold: { what: 'notary list, cold (fresh trust dir)', command: `notary -s URL -d NEW --tlscacert CA list ${GUN}`, ms: [] },
      oursWarm: { what: 'swarmguard trust verify, warm (trust cache filled)', command: `node dist/src/cli/main.js --state STATE trust verify ${GUN}:${TAG} --server URL --ca CA --root-key-id ID`, ms: [] },
      notaryWarm: { what: 'notary list, warm (trust dir filled)', command: `notary -s URL -d DIR --tlscacert CA list ${GUN}`, ms: [] },
      notaryFloor: { what: 'floor: notary version', command: 'notary version', ms: [] },
      nodeHelp: { what: 'floor: our CLI start-up', command: 'node dist/src/cli/main.js --help', ms: [] },
      nodeBare: { what: 'floor: node itself', command: 'node -e 0', ms: [] },
    };
    const warmState = path.join(work, 'warm-state');
    const warmTrust = path.join(work, 'warm-trust');
    timeSpawn(process.execPath, ours(warmState), env);
    timeSpawn('notary', theirs(warmTrust), env);
    // one untimed pass of everything first (page cache, server JIT)
    timeSpawn(process.execPath, ours(path.join(work, 'w0')), env);
    timeSpawn('notary', theirs(path.join(work, 'w1')), env);
    log(`CLI runs, ${repeat} each, alternating which goes first:`);
    for (let i = 0; i < repeat; i++) {
      const pair = (a: () => void, b: () => void): void => (i % 2 ? (b(), a()) : (a(), b()));
      pair(
        () => series.oursCold!.ms.push(timeSpawn(process.execPath, ours(path.join(work, `cold-state-${i}`)), env)),
        () => series.notaryCold!.ms.push(timeSpawn('notary', theirs(path.join(work, `cold-trust-${i}`)), env)),
      );
      pair(
        () => series.oursWarm!.ms.push(timeSpawn(process.execPath, ours(warmState), env)),
        () => series.notaryWarm!.ms.push(timeSpawn('notary', theirs(warmTrust), env)),
      );
      series.notaryFloor!.ms.push(timeSpawn('notary', ['version'], env));
      series.nodeHelp!.ms.push(timeSpawn(process.execPath, [cliPath, '--help'], env));
      series.nodeBare!.ms.push(timeSpawn(process.execPath, ['-e', '0'], env));
      log(`  ${i + 1}/${repeat}: ours cold ${fmt(series.oursCold!.ms.at(-1)!)} warm ${fmt(series.oursWarm!.ms.at(-1)!)} | notary cold ${fmt(series.notaryCold!.ms.at(-1)!)} warm ${fmt(series.notaryWarm!.ms.at(-1)!)} ms`);
    }
    const ratio = (a: Series, b: Series): string => `${fmt(median(a.ms) / median(b.ms), 2)}×`;
    out.push(
      `### CLI vs CLI: one tag from a notary-server on 127.0.0.1, wall time per run (${repeat} runs each)`,
      '',
      `- ${notaryVersion}; repository ${GUN} (3 tags, published with the \`notary\` client; server-side ed25519 timestamp/snapshot keys, memory storage)`,
      '',
      '| What | Command | Runs | median ms | p90 ms | min ms |',
      '|---|---|---:|---:|---:|---:|',
      ...Object.values(series).map(row),
      '',
      '| Comparison | ours / notary (median) | ours minus our start-up floor |',
      '|---|---:|---:|',
      `| cold | **${ratio(series.oursCold!, series.notaryCold!)}** | ${fmt(median(series.oursCold!.ms) - median(series.nodeHelp!.ms))} ms vs notary ${fmt(median(series.notaryCold!.ms) - median(series.notaryFloor!.ms))} ms above \`notary version\` |`,
      `| warm | **${ratio(series.oursWarm!, series.notaryWarm!)}** | ${fmt(median(series.oursWarm!.ms) - median(series.nodeHelp!.ms))} ms vs notary ${fmt(median(series.notaryWarm!.ms) - median(series.notaryFloor!.ms))} ms above \`notary version\` |`,
      '',
    );

    // ---- (b) in-process warm verification of one tag
    log(`in-process warm verification, ${calls} calls each:`);
    const fetcher = createFetcher({ ca: readFileSync(pki.caCert) });
    const httpSource = new NotaryServerSource(url, GUN, fetcher);
    // the served files, in memory (what a hook that keeps the last fetched metadata holds)
    const files = new Map<string, Buffer>();
    const recorder: MetadataSource = {
      description: 'recorder',
      async fetch(req) {
        const b = await httpSource.fetch(req);
        if (b) files.set(req.version !== undefined ? `${req.version}.${req.role}.json` : `${req.role}.json`, b);
        return b;
      },
    };
    const store = new MemoryStore();
    const pin = { kind: 'key-ids' as const, keyIds: [rootKeyId] };
    await verifyNotaryTag({ gun: GUN, tag: TAG, source: recorder, pin, store, clock: systemClock });
    const mem = new MemorySource(files);
    const perCall = async (label: string, n: number, fn: () => Promise<unknown> | unknown): Promise<{ label: string; n: number; mean: number; p50: number; p99: number }> => {
      for (let i = 0; i < Math.min(100, n); i++) await fn();
      const each: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await fn();
        each.push(performance.now() - s);
      }
      const total = performance.now() - t0;
      const r = { label, n, mean: total / n, p50: quantile(each, 0.5), p99: quantile(each, 0.99) };
      log(`  ${label}: mean ${fmt(r.mean, 3)} ms, p50 ${fmt(r.p50, 3)}, p99 ${fmt(r.p99, 3)}`);
      return r;
    };
    const clock = fixedClock(new Date());
    // the verified set, kept by a hook between timestamp refreshes
    const held = await verifyNotaryRepository({ gun: GUN, source: mem, store, record: false, clock });
    const inproc = [
      await perCall('full update from memory (cached root anchor, MemoryStore, record)', calls, () => verifyNotaryTag({ gun: GUN, tag: TAG, source: mem, store, clock })),
      await perCall('full update from memory (cached root anchor, no write-back)', calls, () => verifyNotaryTag({ gun: GUN, tag: TAG, source: mem, store, record: false, clock })),
      await perCall('tag lookup on a verified set held in memory', calls, () => resolveDockerTag(held.set, TAG)),
      await perCall('full update over HTTPS from the notary-server (keep-alive, MemoryStore)', Math.min(calls, 300), () => verifyNotaryTag({ gun: GUN, tag: TAG, source: httpSource, store, clock: systemClock })),
    ];
    fetcher.close();
    out.push(
      '### In-process: one warm tag verification (goal < 1 ms)',
      '',
      '| Path | Calls | mean ms/call | p50 ms | p99 ms |',
      '|---|---:|---:|---:|---:|',
      ...inproc.map((r) => `| ${r.label} | ${r.n} | **${fmt(r.mean, 3)}** | ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} |`),
      '',
    );

    // ---- (c) 10,000 targets, 20 delegations
    const t0 = performance.now();
    const big = bigRepo();
    const bytes = [...big.files.values()].reduce((a, b) => a + b.length, 0);
    log(`generated ${big.files.size} metadata files (${fmt(bytes / 1024 / 1024, 2)} MiB, 10,000 targets, 20 delegations) in ${fmt(performance.now() - t0, 0)} ms (before any timing)`);
    const bigSource = new MemorySource(big.files);
    const bigPin = { kind: 'key-ids' as const, keyIds: big.rootKeyIds };
    const runs: number[] = [];
    const lookups: number[] = [];
    let first = 0;
    for (let i = 0; i < 12; i++) {
      const s = performance.now();
      const r = await verifyNotaryRepository({ gun: big.gun, source: bigSource, pin: bigPin, clock });
      const verified = performance.now() - s;
      const tag = resolveDockerTag(r.set, 'd0-7');
      const l = performance.now() - s - verified;
      if (tag.role !== 'targets/releases') throw new Error(`d0-7 resolved in ${tag.role}`);
      if (i === 0) first = verified;
      else {
        runs.push(verified);
        lookups.push(l);
      }
    }
    log(`  10,000 targets: first ${fmt(first)} ms, then median ${fmt(median(runs))} ms`);
    out.push(
      '### In-process: a repository with 10,000 targets and 20 delegations (goal < 200 ms)',
      '',
      `- generated with test/trust/helpers/notary-repo.ts: 2,000 targets in \`targets\`, 400 in each of 20 delegations (\`targets/releases\`, \`targets/team1..19\`, one ECDSA key each); ${big.files.size} files, ${fmt(bytes / 1024 / 1024, 2)} MiB; root pinned by key ID; files in memory`,
      '',
      '| Step | first call ms | median ms (11 runs) | p90 ms |',
      '|---|---:|---:|---:|',
      `| full update: root, timestamp, snapshot, targets, 20 delegations (parse, hashes, signatures, 10,000 target entries) | ${fmt(first)} | **${fmt(median(runs))}** | ${fmt(quantile(runs, 0.9))} |`,
      `| then resolve one tag (Docker's rule) | – | ${fmt(median(lookups), 3)} | ${fmt(quantile(lookups, 0.9), 3)} |`,
      '',
    );
    return out;
  } finally {
    if (server) await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * In-process issuance of a 4,700-node swarm's certificates (the largest
 * published Swarm test): the CA service object (`CertificateAuthority.issue`:
 * CSR parse + verify, issue, durable record) and the bare issuing function
 * (`readCsr` + `issueCertificate`, nothing recorded).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CertificateAuthority } from '../src/ca/authority.js';
import { CsrVerifierPool } from '../src/ca/cfssl/csr-pool.js';
import { readCsr } from '../src/ca/csr.js';
import { initCa } from '../src/ca/init.js';
import { defaultIssuerThreads } from '../src/ca/issuer-pool.js';
import { issueCertificate } from '../src/ca/issue.js';
import { systemClock } from '../src/core/clock.js';
import { FileStore } from '../src/store/file-store.js';
import { swarmId } from './csr.js';
import { median } from './proc.js';

export interface IssueMode {
  name: string;
  /** What one operation includes. */
  covers: string;
  run(ctx: { ca: CertificateAuthority; csrs: string[]; ids: string[]; clusterId: string }): Promise<void>;
  /** Untimed, before the warm-up (e.g. starting worker threads). */
  setup?(ca: CertificateAuthority): Promise<void>;
}

export interface IssueRow {
  mode: string;
  covers: string;
  n: number;
  totalMs: number;
  certsPerSec: number;
  cpuMsPerCert: number;
  perRound: number[];
}

const PASS = Buffer.from('bench passphrase, not a secret');

const THREADS = defaultIssuerThreads();

export const ISSUE_MODES: IssueMode[] = [
  {
    name: `CertificateAuthority.issueMany, IssuerPool(${THREADS})`,
    covers: `CSR PEM parse + signature verify and issue on ${THREADS} worker threads; all 4,700 as one batch, one append (one fsync) of all records`,
    setup: (ca) => ca.startIssuerPool(THREADS),
    async run({ ca, csrs, ids, clusterId }) {
      const out = await ca.issueMany(csrs.map((csr, i) => ({ csr, role: i % 10 === 0 ? 'manager' : 'worker', nodeId: ids[i]!, clusterId, via: 'bench' })));
      const bad = out.find((o) => 'error' in o);
      if (bad) throw (bad as { error: Error }).error;
    },
  },
  {
    name: `CertificateAuthority.issue + IssuerPool(${THREADS}), 64 in flight`,
    covers: `the same as \`CertificateAuthority.issue, 64 in flight\`, with CSR parse + verify and issue on ${THREADS} worker threads`,
    setup: (ca) => ca.startIssuerPool(THREADS),
    async run({ ca, csrs, ids, clusterId }) {
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < csrs.length; i = next++) {
          await ca.issue({ csr: csrs[i]!, role: i % 10 === 0 ? 'manager' : 'worker', nodeId: ids[i]!, clusterId, via: 'bench' });
        }
      };
      await Promise.all(Array.from({ length: 64 }, worker));
    },
  },
  {
    name: 'CertificateAuthority.issue, 64 in flight',
    covers: 'CSR PEM parse + signature verify, issue, issuance record appended (group-committed fsync)',
    async run({ ca, csrs, ids, clusterId }) {
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < csrs.length; i = next++) {
          await ca.issue({ csr: Buffer.from(csrs[i]!), role: i % 10 === 0 ? 'manager' : 'worker', nodeId: ids[i]!, clusterId, via: 'bench' });
        }
      };
      await Promise.all(Array.from({ length: 64 }, worker));
    },
  },
  {
    name: 'CertificateAuthority.issue, 1 in flight',
    covers: 'the same, each awaited before the next: one fsync per certificate',
    async run({ ca, csrs, ids, clusterId }) {
      for (let i = 0; i < csrs.length; i++) {
        await ca.issue({ csr: Buffer.from(csrs[i]!), role: i % 10 === 0 ? 'manager' : 'worker', nodeId: ids[i]!, clusterId, via: 'bench' });
      }
    },
  },
  {
    name: 'CertificateAuthority.issue + CsrVerifierPool(1), 64 in flight',
    covers: 'the same as `CertificateAuthority.issue, 64 in flight`, with CSR parse + verify on one worker thread (what ca serve does by default)',
    async run({ ca, csrs, ids, clusterId }) {
      const pool = new CsrVerifierPool(1);
      try {
        let next = 0;
        const worker = async (): Promise<void> => {
          for (let i = next++; i < csrs.length; i = next++) {
            const csr = await pool.verify(csrs[i]!);
            await ca.issue({ csr, role: i % 10 === 0 ? 'manager' : 'worker', nodeId: ids[i]!, clusterId, via: 'bench' });
          }
        };
        await Promise.all(Array.from({ length: 64 }, worker));
      } finally {
        await pool.close();
      }
    },
  },
  {
    name: 'readCsr + issueCertificate (bare)',
    covers: 'CSR PEM parse + signature verify, issue; nothing recorded',
    async run({ ca, csrs, ids, clusterId }) {
      const profiles = [ca.profile('node-manager'), ca.profile('node-worker')] as const;
      const now = systemClock.now();
      for (let i = 0; i < csrs.length; i++) {
        const csr = readCsr(Buffer.from(csrs[i]!));
        const manager = i % 10 === 0;
        issueCertificate(ca.signer, { profile: manager ? profiles[0] : profiles[1], spki: csr.spki, vars: { clusterId, nodeId: ids[i]!, role: manager ? 'swarm-manager' : 'swarm-worker' } }, now);
      }
    },
  },
];

export async function benchInProcess(o: { n: number; csrs: string[]; rounds: number; log: (m: string) => void }): Promise<IssueRow[]> {
  const csrs = o.csrs.slice(0, o.n);
  const ids = csrs.map(() => swarmId());
  const clusterId = swarmId();
  const samples = new Map<string, Array<{ ms: number; cpuMs: number }>>();
  for (let round = 0; round < o.rounds; round++) {
    for (const mode of ISSUE_MODES) {
      const dir = mkdtempSync(path.join(tmpdir(), 'sgb-issue-'));
      const store = new FileStore(dir);
      try {
        await initCa(store, { passphrase: PASS }, systemClock);
        const ca = await CertificateAuthority.open(store, { passphrase: PASS, clock: systemClock });
        await mode.setup?.(ca);
        // warm-up: a full pass on other node IDs (JIT; the first pass after start runs up to 1.5x slower here)
        await mode.run({ ca, csrs, ids: ids.map((x) => `w${x}`), clusterId });
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await mode.run({ ca, csrs, ids, clusterId });
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000;
        (samples.get(mode.name) ?? samples.set(mode.name, []).get(mode.name)!).push({ ms, cpuMs });
        o.log(`  round ${round + 1}: ${mode.name.padEnd(56)} ${csrs.length} certs in ${ms.toFixed(0)} ms (${((csrs.length / ms) * 1000).toFixed(0)}/s, ${(cpuMs / csrs.length).toFixed(3)} ms CPU each)`);
        await ca.stopIssuerPool();
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return ISSUE_MODES.map((mode) => {
    const s = samples.get(mode.name)!;
    const totalMs = median(s.map((x) => x.ms));
    return {
      mode: mode.name,
      covers: mode.covers,
      n: csrs.length,
      totalMs,
      certsPerSec: (csrs.length / totalMs) * 1000,
      cpuMsPerCert: median(s.map((x) => x.cpuMs / csrs.length)),
      perRound: s.map((x) => (csrs.length / x.ms) * 1000),
    };
  });
}

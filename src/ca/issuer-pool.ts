/**
 * Issuing on worker threads: each thread holds the CA signer and does the
 * whole per-certificate crypto (CSR parse, key import, signature check,
 * TBS assembly, signing). ECDSA on one thread caps a Node CA at ~3,300
 * certificates/s here (docs/benchmarks.md); the threads use every core.
 *
 * The pool only runs `readCsr` + `issueCertificate`; every policy decision
 * (profile, role, revoked nodes) and the issuance record stay on the main
 * thread in `CertificateAuthority`, one code path with or without a pool.
 *
 * The CA key goes to each thread once, as a KeyObject in its init message
 * (cloned between threads of this process; never exported to bytes).
 * If a thread fails, the pool rejects everything pending and shuts down.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { defaults } from '../defaults.js';
import { InputError, RuntimeError, type SwarmguardError } from '../errors.js';
import type { IssuedCertificate, Signer } from './issue.js';
import type { IssuerBatch, IssuerInit, IssuerJob, IssuerReply, IssuedWire } from './issuer-worker.js';
import type { Profile } from './profiles.js';

export type IssuerPoolJob = Omit<IssuerJob, 'id'>;

export interface IssuerPoolOptions {
  /** Worker threads, 1 to 64. */
  threads: number;
  /** Sees every message to and from the threads (audits, tests); must not keep them. */
  tap?: (direction: 'to-worker' | 'from-worker', message: unknown) => void;
}

interface Pending {
  resolve: (c: IssuedCertificate) => void;
  reject: (e: SwarmguardError) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent and not answered (the thread keeps the process alive only while > 0). */
  inFlight: number;
}

/** Threads by default: one per core, at most defaults.ca.issuerMaxDefaultThreads. */
export function defaultIssuerThreads(): number {
  return Math.max(1, Math.min(defaults.ca.issuerMaxDefaultThreads, availableParallelism()));
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function fromWire(w: IssuedWire): IssuedCertificate {
  return { der: toBuffer(w.der), chainPem: w.chainPem, serialHex: w.serialHex, notBefore: new Date(w.notBefore), notAfter: new Date(w.notAfter), subject: w.subject, hosts: w.hosts };
}

export class IssuerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;
  private queue: Array<{ job: IssuerJob; now: number }> = [];
  private flushScheduled = false;
  private closedWith: SwarmguardError | undefined;

  private constructor(private readonly tap: IssuerPoolOptions['tap']) {}

  /** Start the threads and hand each the signer; resolves when all are ready. */
  static async start(signer: Signer, profiles: Iterable<Profile>, opts: IssuerPoolOptions): Promise<IssuerPool> {
    if (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 64) throw new TypeError(`IssuerPool: threads must be 1 to 64, got ${opts.threads}`);
    const pool = new IssuerPool(opts.tap);
    const init: IssuerInit = { type: 'init', certDer: signer.certDer, key: signer.key, chain: signer.chain, ski: signer.ski, profiles: [...profiles] };
    try {
      await Promise.all(Array.from({ length: opts.threads }, () => pool.spawn(init)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get threads(): number {
    return this.slots.length;
  }

  /** True once closed, by `close()` or by a failed thread. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  private post(slot: Slot, m: IssuerInit | IssuerBatch): void {
    this.tap?.('to-worker', m);
    slot.worker.postMessage(m);
  }

  private spawn(init: IssuerInit): Promise<void> {
    const worker = new Worker(new URL('./issuer-worker.js', import.meta.url));
    const slot: Slot = { worker, inFlight: 0 };
    this.slots.push(slot);
    return new Promise<void>((ready, failed) => {
      let started = false;
      worker.on('message', (m: IssuerReply) => {
        this.tap?.('from-worker', m);
        if (m.type === 'ready') {
          started = true;
          worker.unref();
          ready();
        } else if (m.type === 'init-failed') {
          failed(new RuntimeError(m.code === 'ERR_INTERNAL' ? 'ERR_CA_ISSUER_POOL' : m.code, `issuer thread could not load the CA signer: ${m.message}`));
        } else {
          slot.inFlight -= m.results.length;
          for (const r of m.results) {
            const p = this.pending.get(r.id);
            if (!p) continue;
            this.pending.delete(r.id);
            if ('ok' in r) p.resolve(fromWire(r.ok));
            else if (r.err.input) p.reject(new InputError(r.err.code, r.err.message));
            else p.reject(new RuntimeError('ERR_CA_ISSUER_POOL', `issuer thread failed: ${r.err.message}`));
          }
          if (slot.inFlight <= 0) worker.unref();
        }
      });
      const fail = (why: string): void => {
        const err = new RuntimeError('ERR_CA_ISSUER_POOL', `issuer thread ${why}; the issuer pool was shut down`);
        if (!started) failed(err);
        void this.shutdown(err);
      };
      worker.on('error', (e) => fail(`crashed: ${e.message}`));
      worker.on('exit', (code) => {
        if (!this.closed) fail(`exited with code ${code}`);
      });
      this.post(slot, init);
    });
  }

  /** Issue one certificate; jobs submitted in the same event-loop turn go out together. */
  issue(job: IssuerPoolJob, now: Date): Promise<IssuedCertificate> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const p = new Promise<IssuedCertificate>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.queue.push({ job: { ...job, id }, now: now.getTime() });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (this.closedWith) return;
    // spread this turn's jobs evenly: chunks of at most issuerJobsPerMessage, one thread after another
    const n = this.slots.length;
    const chunk = Math.max(1, Math.min(defaults.ca.issuerJobsPerMessage, Math.ceil(queue.length / n)));
    for (let i = 0; i < queue.length; i += chunk) {
      const part = queue.slice(i, i + chunk);
      const slot = this.slots[this.turn++ % n]!;
      // one `now` per batch message: split where the clock reading changes (jobs of different operations)
      let start = 0;
      for (let k = 1; k <= part.length; k++) {
        if (k === part.length || part[k]!.now !== part[start]!.now) {
          slot.worker.ref();
          slot.inFlight += k - start;
          this.post(slot, { type: 'batch', now: part[start]!.now, jobs: part.slice(start, k).map((q) => q.job) });
          start = k;
        }
      }
    }
  }

  private async shutdown(err: SwarmguardError): Promise<void> {
    if (this.closedWith) return;
    this.closedWith = err;
    this.queue = [];
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Stop the threads; anything pending is rejected. */
  close(): Promise<void> {
    return this.shutdown(new RuntimeError('ERR_CA_ISSUER_CLOSED', 'the issuer pool was closed'));
  }
}

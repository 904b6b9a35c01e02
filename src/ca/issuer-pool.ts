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
 *
 * Jobs go out in messages of at most issuerJobsPerMessage, pulled: each
 * thread holds at most issuerMessagesInFlight of them and gets the next one
 * when it answers, so a thread slowed by other load on the machine takes
 * fewer and neither idles at the end of a big batch. A big batch starts
 * going out while the caller is still submitting it.
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
  /** Messages sent and not answered. */
  messages: number;
}

/** Threads by default: one per core, at most defaults.ca.issuerMaxDefaultThreads. */
export function defaultIssuerThreads(): number {
  return Math.max(1, Math.min(defaults.ca.issuerMaxDefaultThreads, availableParallelism()));
}

function fromWire(w: IssuedWire, ders: ArrayBuffer): IssuedCertificate {
  return { der: Buffer.from(ders, w.derStart, w.derEnd - w.derStart), chainPem: w.chainPem, serialHex: w.serialHex, notBefore: new Date(w.notBefore), notAfter: new Date(w.notAfter), subject: w.subject, hosts: w.hosts };
}

export class IssuerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;
  private queue: Array<{ job: IssuerJob; now: number }> = [];
  /** Messages cut from the queue, waiting for a thread with room. */
  private waiting: IssuerBatch[] = [];
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
    const slot: Slot = { worker, inFlight: 0, messages: 0 };
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
          slot.messages--;
          this.pump();
          for (const r of m.results) {
            const p = this.pending.get(r.id);
            if (!p) continue;
            this.pending.delete(r.id);
            if ('ok' in r) p.resolve(fromWire(r.ok, m.ders));
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
    // a big batch: send full messages as soon as there are enough jobs for one
    if (this.queue.length >= defaults.ca.issuerJobsPerMessage * this.slots.length) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (this.closedWith || queue.length === 0) return;
    // cut this turn's jobs into messages: at most issuerJobsPerMessage, a small turn spread over all threads
    const chunk = Math.max(1, Math.min(defaults.ca.issuerJobsPerMessage, Math.ceil(queue.length / this.slots.length)));
    for (let i = 0; i < queue.length; i += chunk) {
      const part = queue.slice(i, i + chunk);
      // one `now` per message: split where the clock reading changes (jobs of different operations)
      let start = 0;
      for (let k = 1; k <= part.length; k++) {
        if (k === part.length || part[k]!.now !== part[start]!.now) {
          this.waiting.push({ type: 'batch', now: part[start]!.now, jobs: part.slice(start, k).map((q) => q.job) });
          start = k;
        }
      }
    }
    this.pump();
  }

  /** Hand waiting messages to the threads with room, the least busy first. */
  private pump(): void {
    let next = 0;
    while (next < this.waiting.length && !this.closedWith) {
      let slot: Slot | undefined;
      for (let k = 0; k < this.slots.length; k++) {
        const s = this.slots[(this.turn + k) % this.slots.length]!;
        if (s.messages < defaults.ca.issuerMessagesInFlight && (!slot || s.messages < slot.messages)) slot = s;
      }
      if (!slot) break;
      this.turn++;
      const m = this.waiting[next++]!;
      slot.worker.ref();
      slot.inFlight += m.jobs.length;
      slot.messages++;
      this.post(slot, m);
    }
    this.waiting = next === this.waiting.length ? [] : this.waiting.slice(next);
  }

  private async shutdown(err: SwarmguardError): Promise<void> {
    if (this.closedWith) return;
    this.closedWith = err;
    this.queue = [];
    this.waiting = [];
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Stop the threads; anything pending is rejected. */
  close(): Promise<void> {
    return this.shutdown(new RuntimeError('ERR_CA_ISSUER_CLOSED', 'the issuer pool was closed'));
  }
}

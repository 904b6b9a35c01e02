/**
 * CSR verification off the main thread. Parsing a CSR, importing its key
 * and checking its signature is about half of the CPU an issuance costs
 * (docs/benchmarks.md); a few worker threads do it while the main thread
 * speaks HTTP and signs. Jobs that arrive in the same turn of the event loop
 * go to a worker as one message. Size 0 verifies inline.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, RuntimeError } from '../../errors.js';
import { readCsr, type ParsedCsr } from '../csr.js';
import type { CsrJob, CsrJobResult } from './csr-worker.js';

interface Pending {
  resolve: (p: ParsedCsr) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  queue: CsrJob[];
}

/** Worker threads by default: the cores beyond the main thread's, at most 4. */
export function defaultVerifyThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class CsrVerifierPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private turn = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0 || size > 64) throw new TypeError(`CsrVerifierPool: size ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./csr-worker.js', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), queue: [] };
    worker.on('message', (results: CsrJobResult[]) => {
      for (const r of results) {
        const p = slot.pending.get(r.id);
        if (!p) continue;
        slot.pending.delete(r.id);
        if ('ok' in r) {
          const o = r.ok;
          p.resolve({ der: toBuffer(o.der), subjectDer: toBuffer(o.subjectDer), spki: toBuffer(o.spki), publicKey: o.publicKey, key: o.key, signatureAlgorithm: o.signatureAlgorithm });
        } else if (r.err.input) p.reject(new InputError(r.err.code, r.err.message));
        else p.reject(new RuntimeError('ERR_CFSSL_VERIFIER', `CSR verifier failed: ${r.err.message}`));
      }
      if (slot.pending.size === 0) worker.unref();
    });
    const fail = (why: string): void => {
      const err = new RuntimeError('ERR_CFSSL_VERIFIER', `CSR verifier thread ${why}`);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    worker.on('error', (e) => fail(`crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) fail(`exited with ${code}`);
    });
    return slot;
  }

  /** Parse and verify one PEM CSR (as readCsr), off the main thread when the pool has workers. */
  verify(pem: string): Promise<ParsedCsr> {
    if (this.closed) return Promise.reject(new RuntimeError('ERR_CFSSL_VERIFIER', 'the CSR verifier is closed'));
    if (this.slots.length === 0) {
      try {
        return Promise.resolve(readCsr(Buffer.from(pem, 'utf8')));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const slot = this.slots[this.turn++ % this.slots.length]!;
    const id = this.nextId++;
    return new Promise<ParsedCsr>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.queue.push({ id, pem });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const slot of this.slots) {
      if (slot.queue.length === 0) continue;
      slot.worker.ref();
      slot.worker.postMessage(slot.queue);
      slot.queue = [];
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new RuntimeError('ERR_CFSSL_VERIFIER', 'the CSR verifier was closed');
    await Promise.all(
      this.slots.map(async (s) => {
        for (const p of s.pending.values()) p.reject(err);
        s.pending.clear();
        await s.worker.terminate();
      }),
    );
  }
}

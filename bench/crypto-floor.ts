/**
 * The floor under in-process issuance: only the three node:crypto calls every certificate
 * needs (import the CSR's P-256 key, verify the CSR signature, sign the certificate), on
 * worker threads, with no parsing, no DER and no records. Whatever the CA code does, 4,700
 * certificates cannot take less than this on the machine at hand.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { median } from './proc.js';

interface Item {
  jwk: JsonWebKey;
  data: Uint8Array;
  sig: Uint8Array;
}

export async function cryptoFloor(o: { n: number; threads: number; rounds: number }): Promise<{ ms: number[]; median: number }> {
  const items: Item[] = [];
  for (let i = 0; i < o.n; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // about the size of a node certificate's TBS
    const data = randomBytes(420);
    items.push({ jwk: publicKey.export({ format: 'jwk' }), data, sig: sign('sha256', data, privateKey) });
  }
  const caPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const workers = Array.from({ length: o.threads }, () => new Worker(new URL(import.meta.url), { workerData: { caPem } }));
  // every wait is bounded: a thread that stops answering fails the measurement instead of hanging the bench
  const answer = (w: Worker, send?: Item[]): Promise<unknown> =>
    new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('crypto floor: a worker thread did not answer within 60 s')), 60_000);
      const done = (f: () => void) => (): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        f();
      };
      const onMessage = (m: unknown): void => done(() => ok(m))();
      const onError = (e: Error): void => done(() => fail(e))();
      const onExit = (code: number): void => done(() => fail(new Error(`crypto floor: a worker thread exited (${code})`)))();
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      if (send) w.postMessage(send);
    });
  try {
    await Promise.all(workers.map((w) => answer(w)));
    const per = Math.ceil(items.length / o.threads);
    const run = (): Promise<unknown[]> => Promise.all(workers.map((w, k) => answer(w, items.slice(k * per, (k + 1) * per))));
    await run(); // warm-up
    const ms: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const t0 = performance.now();
      await run();
      ms.push(performance.now() - t0);
    }
    return { ms, median: median(ms) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const ca = createPrivateKey((workerData as { caPem: string }).caPem);
  port.postMessage('ready');
  port.on('message', (items: Item[]) => {
    for (const it of items) {
      const key = createPublicKey({ key: it.jwk, format: 'jwk' });
      if (!verify('sha256', it.data, key, it.sig)) throw new Error('crypto floor: a signature did not verify');
      sign('sha256', it.data, ca);
    }
    port.postMessage('done');
  });
}

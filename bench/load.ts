/**
 * A closed-loop load client: `concurrency` workers over keep-alive
 * connections (node:http/https Agent), each posting the next body as soon as
 * its previous answer is in. Every answer is checked for a certificate.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface LoadResult {
  requests: number;
  failures: number;
  firstFailure?: string;
  wallMs: number;
  /** Per-request latencies in ms, sorted. */
  latencies: Float64Array;
  clientCpuMs: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function runLoad(url: string, bodies: readonly string[], concurrency: number, tls?: ClientTls): Promise<LoadResult> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const send = https ? httpsRequest : httpRequest;
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const one = (body: string): Promise<void> =>
    new Promise((resolve) => {
      const req = send(target, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let ok = res.statusCode === 200;
          if (ok) {
            try {
              const doc = JSON.parse(text) as { success?: boolean; result?: { certificate?: string } };
              ok = doc.success === true && typeof doc.result?.certificate === 'string' && doc.result.certificate.startsWith('-----BEGIN CERTIFICATE-----');
            } catch {
              ok = false;
            }
          }
          if (!ok) {
            failures++;
            firstFailure ??= `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
          }
          resolve();
        });
      });
      req.on('error', (e) => {
        failures++;
        firstFailure ??= e.message;
        resolve();
      });
      req.end(body);
    });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < bodies.length; i = next++) {
      const s = performance.now();
      await one(bodies[i]!);
      latencies[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  latencies.sort();
  return { requests: bodies.length, failures, ...(firstFailure ? { firstFailure } : {}), wallMs, latencies, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

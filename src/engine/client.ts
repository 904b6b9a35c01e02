/**
 * The Docker Engine API client: the only code that talks to dockerd.
 * Unix socket (`unix:///var/run/docker.sock`) or TCP with mTLS
 * (`tcp://host:2376` / `https://host:2376`), JSON bodies, bounded responses,
 * timeouts, typed errors.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { RuntimeError, InputError, SwarmguardError } from '../errors.js';

export interface EngineTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
}

export interface EngineOptions {
  /** `unix:///path`, `tcp://host:port`, `https://host:port`, `http://host:port`; default $DOCKER_HOST, else the default socket. */
  url?: string;
  tls?: EngineTls;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** API version prefix, e.g. `v1.41`; default none (the engine's own). */
  apiVersion?: string;
}

export interface EngineResponse<T = unknown> {
  status: number;
  body: T;
  headers: http.IncomingHttpHeaders;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

interface Target {
  socketPath?: string;
  host?: string;
  port?: number;
  secure: boolean;
  display: string;
}

export function parseEngineUrl(url: string): Target {
  if (url.startsWith('unix://')) {
    const p = url.slice('unix://'.length);
    if (!p.startsWith('/')) throw new InputError('ERR_ENGINE_URL', `engine URL ${url} needs an absolute socket path: unix:///var/run/docker.sock`);
    return { socketPath: p, secure: false, display: url };
  }
  const m = /^(tcp|https?):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new InputError('ERR_ENGINE_URL', `engine URL ${JSON.stringify(url)} is not unix:///path, tcp://host:port or https://host:port`);
  const scheme = m[1]!;
  const secure = scheme === 'https' || scheme === 'tcp';
  const port = m[3] ? Number(m[3]) : secure ? 2376 : 2375;
  return { host: m[2]!.replace(/^\[|\]$/g, ''), port, secure, display: url };
}

/** Error from the engine itself (HTTP status >= 400), with the engine's message. */
export class EngineApiError extends RuntimeError {
  constructor(
    readonly status: number,
    readonly engineMessage: string,
    method: string,
    path: string,
  ) {
    super(status === 404 ? 'ERR_ENGINE_NOT_FOUND' : status === 503 ? 'ERR_ENGINE_UNAVAILABLE' : 'ERR_ENGINE_API', `engine answered ${status} to ${method} ${path}: ${engineMessage}`);
  }
}

export class EngineClient {
  readonly target: Target;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly prefix: string;

  constructor(private readonly opts: EngineOptions = {}) {
    this.target = parseEngineUrl(opts.url ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
    this.prefix = opts.apiVersion ? `/${opts.apiVersion}` : '';
    this.agent = this.target.secure
      ? new https.Agent({ keepAlive: true, ...(opts.tls ?? {}), minVersion: 'TLSv1.2' })
      : new http.Agent({ keepAlive: true });
  }

  get display(): string {
    return this.target.display;
  }

  close(): void {
    this.agent.destroy();
  }

  async get<T = unknown>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  async post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, body)).body;
  }

  /** One request; engine errors (>= 400) become EngineApiError, transport errors ERR_ENGINE_UNREACHABLE. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<EngineResponse<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const t = this.target;
    const mod = t.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          method,
          path: this.prefix + path,
          agent: this.agent,
          ...(t.socketPath ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
          headers: { Host: 'docker', Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
          timeout: this.timeoutMs,
          ...(t.secure && this.opts.tls?.servername ? { servername: this.opts.tls.servername } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxBytes) {
              req.destroy(new RuntimeError('ERR_ENGINE_RESPONSE_TOO_LARGE', `engine response to ${method} ${path} exceeds ${this.maxBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text.length > 0) {
              try {
                parsed = JSON.parse(text);
              } catch (e) {
                reject(new RuntimeError('ERR_ENGINE_BAD_RESPONSE', `engine sent invalid JSON for ${method} ${path}`, { cause: e }));
                return;
              }
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const msg = typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : text.slice(0, 200);
              reject(new EngineApiError(status, msg, method, path));
              return;
            }
            resolve({ status, body: parsed as T, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new RuntimeError('ERR_ENGINE_TIMEOUT', `engine at ${t.display} did not answer ${method} ${path} within ${this.timeoutMs} ms`)));
      req.on('error', (e) => {
        if (e instanceof SwarmguardError) reject(e);
        else reject(new RuntimeError('ERR_ENGINE_UNREACHABLE', `cannot reach the engine at ${t.display} (${(e as NodeJS.ErrnoException).code ?? e.message}); check DOCKER_HOST or --engine`, { cause: e }));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}

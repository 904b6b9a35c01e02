/**
 * The token broker: a small HTTP server (127.0.0.1 by default) that hands the
 * swarm's real join token to a caller presenting a valid scoped token, counts
 * uses atomically, and rotates the real token through the Engine API once a
 * scoped token's uses are spent (after a grace period, so the last joiner can
 * still use what it was given).
 *
 *   POST /v1/join-token   Authorization: Bearer <scoped token>   body: {"node":"name"} (optional)
 *   200 {"token","role","uses","maxUses"} | 400 malformed | 401 invalid/expired | 403 scope | 410 spent | 502 engine
 *
 * Tokens are never logged: log lines name the scoped token's jti prefix only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { isSwarmguardError, type SwarmguardError } from '../../errors.js';
import type { StateStore } from '../../store/state-store.js';
import { defaults } from '../../defaults.js';
import { TokenFormatError, TokenSwarmError } from '../errors.js';
import type { JoinRole } from '../join-token.js';
import { rotateJoinToken } from '../rotate.js';
import { readSwarm, type SwarmEngine } from '../swarm.js';
import { checkScope, verifyScopedToken } from './token.js';
import { UseCounter } from './uses.js';

const B = defaults.tokens.broker;

export interface BrokerOptions {
  engine: SwarmEngine;
  store: StateStore;
  publicKey: KeyObject;
  clock: Clock;
  /** Delay between the last hand-out of a spent scoped token and the rotation; 0 rotates at once. */
  rotateGraceMs?: number;
  log?: (line: string) => void;
}

const STATUS: Record<string, number> = {
  ERR_TOKEN_SCOPED_MALFORMED: 400,
  ERR_TOKEN_SCOPED_INVALID: 401,
  ERR_TOKEN_SCOPED_EXPIRED: 401,
  ERR_TOKEN_SCOPED_SCOPE: 403,
  ERR_TOKEN_SCOPED_EXHAUSTED: 410,
};

export class TokenBroker {
  private readonly uses: UseCounter;
  private readonly timers = new Map<JoinRole, NodeJS.Timeout>();
  private readonly rotations: Array<Promise<void>> = [];
  private server: Server | undefined;
  /** Completed rotations (role, time), for status and tests. */
  readonly rotated: Array<{ role: JoinRole; at: string; previous: string; current: string }> = [];

  constructor(private readonly o: BrokerOptions) {
    this.uses = new UseCounter(o.store);
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  /** Handle one exchange; returns status and body (exported for tests without sockets). */
  async exchange(authorization: string | undefined, body: string, remoteAddr: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
    const now = this.o.clock.now();
    try {
      const m = /^Bearer ([^\s]+)$/.exec(authorization ?? '');
      if (!m) throw new TokenFormatError('ERR_TOKEN_SCOPED_MALFORMED', 'send the scoped token as `Authorization: Bearer <token>`');
      let node: string | undefined;
      if (body.trim() !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch (e) {
          throw new TokenFormatError('ERR_TOKEN_SCOPED_MALFORMED', 'the request body is not JSON; send {"node":"NAME"} or nothing', { cause: e });
        }
        const n = (parsed as { node?: unknown } | null)?.node;
        if (n !== undefined && typeof n !== 'string') throw new TokenFormatError('ERR_TOKEN_SCOPED_MALFORMED', 'node must be a string');
        node = n as string | undefined;
      }
      const scoped = await verifyScopedToken(m[1]!, this.o.publicKey, now);
      checkScope(scoped, { node, addr: remoteAddr });
      const use = await this.uses.claim(scoped, now);
      const swarm = await readSwarm(this.o.engine);
      if (scoped.cluster !== undefined && scoped.cluster !== swarm.clusterId) {
        return { status: 409, body: { error: { code: 'ERR_TOKEN_SCOPED_SCOPE', message: 'the scoped token is for another swarm' } } };
      }
      this.log(`handed out the ${scoped.role} token for scoped token ${scoped.jti.slice(0, 8)} (use ${use.uses}/${use.maxUses})`);
      if (use.uses >= use.maxUses) this.scheduleRotation(scoped.role);
      return { status: 200, body: { token: swarm.joinTokens[scoped.role], role: scoped.role, uses: use.uses, maxUses: use.maxUses } };
    } catch (e) {
      if (isSwarmguardError(e)) {
        const err = e as SwarmguardError;
        const status = STATUS[err.code] ?? (err.kind === 'runtime' ? 502 : 400);
        this.log(`refused: ${err.code}`);
        return { status, body: { error: { code: err.code, message: err.message } } };
      }
      this.log(`internal error: ${(e as Error).message}`);
      return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: 'internal error' } } };
    }
  }

  private scheduleRotation(role: JoinRole): void {
    const prior = this.timers.get(role);
    if (prior) clearTimeout(prior);
    const grace = this.o.rotateGraceMs ?? B.rotateGraceMs;
    this.timers.set(role, setTimeout(() => this.rotateNow(role), grace));
  }

  private rotateNow(role: JoinRole): void {
    this.timers.delete(role);
    const p = rotateJoinToken(this.o.engine, this.o.store, role, this.o.clock).then(
      (r) => {
        this.rotated.push({ role, at: this.o.clock.now().toISOString(), previous: r.previous, current: r.current });
        this.log(`rotated the ${role} token (${r.previous} → ${r.current}): a scoped token's uses are spent`);
      },
      (e: unknown) => this.log(`rotation of the ${role} token FAILED: ${(e as Error).message}; rotate it by hand (swarmguard token rotate)`),
    );
    this.rotations.push(p);
  }

  /** Wait for scheduled rotations to fire and finish (tests; shutdown with --rotate-now). */
  async settle(): Promise<void> {
    while (this.timers.size > 0) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.rotations);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'POST' || req.url !== B.path) return send(404, { error: { code: 'ERR_NOT_FOUND', message: `POST ${B.path}` } });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > B.maxBodyBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return send(413, { error: { code: 'ERR_TOKEN_SCOPED_MALFORMED', message: `body larger than ${B.maxBodyBytes} bytes` } });
      void this.exchange(req.headers.authorization, Buffer.concat(chunks).toString('utf8'), req.socket.remoteAddress).then(
        (r) => send(r.status, r.body),
        () => send(500, { error: { code: 'ERR_INTERNAL', message: 'internal error' } }),
      );
    });
  }

  listen(port: number, host: string = B.host): Promise<AddressInfo> {
    const server = createServer((req, res) => this.handle(req, res));
    server.requestTimeout = B.requestTimeoutMs;
    server.headersTimeout = B.requestTimeoutMs;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e) => reject(new TokenSwarmError('ERR_TOKEN_SWARM', `cannot listen on ${host}:${port} (${(e as NodeJS.ErrnoException).code ?? e.message})`, { cause: e })));
      server.listen(port, host, () => resolve(server.address() as AddressInfo));
    });
  }

  /** Stop serving; rotations still in their grace period run now, so no spent token stays valid. */
  async close(): Promise<void> {
    for (const [role, t] of [...this.timers]) {
      clearTimeout(t);
      this.rotateNow(role);
    }
    await Promise.all(this.rotations);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

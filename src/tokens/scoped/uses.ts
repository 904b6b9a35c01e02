/**
 * Counting scoped-token uses atomically: an in-process queue (concurrent
 * requests in one broker) inside the store's cross-process lock (several
 * brokers on one state directory). A use is counted before the real token is
 * fetched: when anything fails afterwards the use is spent (fail closed).
 */
import type { StateStore } from '../../store/state-store.js';
import { defaults } from '../../defaults.js';
import { ScopedTokenRejected } from '../errors.js';
import type { ScopedToken } from './token.js';

export interface UseRecord {
  jti: string;
  role: string;
  uses: number;
  maxUses: number;
  firstUse: string;
  lastUse: string;
  expiresAt: string;
}

export class UseCounter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: StateStore) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Count one use of `t`; throws ERR_TOKEN_SCOPED_EXHAUSTED when its limit is reached. */
  claim(t: ScopedToken, now: Date): Promise<UseRecord> {
    const key = `${defaults.tokens.scoped.usesPrefix}/${t.jti}.json`;
    return this.serial(() =>
      this.store.withLock(async () => {
        const raw = await this.store.read(key);
        const prior = raw ? (JSON.parse(raw.toString('utf8')) as UseRecord) : undefined;
        const used = prior?.uses ?? 0;
        if (used >= t.uses) {
          throw new ScopedTokenRejected('ERR_TOKEN_SCOPED_EXHAUSTED', `scoped token ${t.jti.slice(0, 8)}: all ${t.uses} use(s) spent; ask for a new one`);
        }
        const at = now.toISOString();
        const rec: UseRecord = { jti: t.jti, role: t.role, uses: used + 1, maxUses: t.uses, firstUse: prior?.firstUse ?? at, lastUse: at, expiresAt: t.expiresAt.toISOString() };
        await this.store.write(key, JSON.stringify(rec) + '\n');
        return rec;
      }),
    );
  }
}

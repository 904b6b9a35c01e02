/**
 * The token-age ledger (`tokens/seen.json` in the state store): for each
 * token we have seen, its fingerprint, role, cluster and the first time we saw
 * it. Tokens are stored as SHA-256 digests only; a 128-bit secret behind a
 * SHA-256 cannot be recovered from the ledger.
 */
import type { StateStore } from '../store/state-store.js';
import { defaults } from '../defaults.js';
import { tokenHash, type JoinRole } from './join-token.js';

export interface SeenRecord {
  /** Short public name (first hex of the SHA-256). */
  fingerprint: string;
  role: JoinRole;
  clusterId: string;
  firstSeen: string;
  lastSeen: string;
  /** When we saw it replaced (rotated away). */
  retiredAt?: string;
}

export interface SeenLedger {
  version: 1;
  /** Keyed by the full SHA-256 hex of the token. */
  tokens: Record<string, SeenRecord>;
}

export interface TokenAge {
  role: JoinRole;
  fingerprint: string;
  firstSeen: string;
  /** Milliseconds between firstSeen and now. */
  ageMs: number;
  /** False when this run is the first to see the token (its real age is unknown, at least ageMs). */
  knownBefore: boolean;
}

const KEY = defaults.tokens.seen.storeKey;

export async function readLedger(store: StateStore): Promise<SeenLedger> {
  const raw = await store.read(KEY);
  if (!raw) return { version: 1, tokens: {} };
  try {
    const doc = JSON.parse(raw.toString('utf8')) as SeenLedger;
    if (doc && doc.version === 1 && typeof doc.tokens === 'object' && doc.tokens !== null) return doc;
  } catch {
    // fall through: a damaged ledger only loses ages, it is rebuilt from now on
  }
  return { version: 1, tokens: {} };
}

/**
 * Record the swarm's current tokens as seen now (first sight sets firstSeen),
 * mark other tokens of the same cluster and role as retired, and return their ages.
 * Runs under the store lock so concurrent runs do not lose records.
 */
export async function observeTokens(store: StateStore, clusterId: string, current: Record<JoinRole, string>, now: Date): Promise<Record<JoinRole, TokenAge>> {
  return store.withLock(async () => {
    const ledger = await readLedger(store);
    const at = now.toISOString();
    const ages = {} as Record<JoinRole, TokenAge>;
    for (const role of ['worker', 'manager'] as const) {
      const hash = tokenHash(current[role]).toString('hex');
      const prior = ledger.tokens[hash];
      const rec: SeenRecord = prior
        ? { ...prior, lastSeen: at }
        : { fingerprint: hash.slice(0, defaults.tokens.join.fingerprintHex), role, clusterId, firstSeen: at, lastSeen: at };
      delete rec.retiredAt;
      ledger.tokens[hash] = rec;
      for (const [h, r] of Object.entries(ledger.tokens)) {
        if (h !== hash && r.clusterId === clusterId && r.role === role && !r.retiredAt) r.retiredAt = at;
      }
      ages[role] = { role, fingerprint: rec.fingerprint, firstSeen: rec.firstSeen, ageMs: Math.max(0, now.getTime() - Date.parse(rec.firstSeen)), knownBefore: prior !== undefined };
    }
    prune(ledger);
    await store.write(KEY, JSON.stringify(ledger, null, 2) + '\n');
    return ages;
  });
}

/** The ages we know for these tokens, without recording anything. */
export async function tokenAges(store: StateStore, current: Partial<Record<JoinRole, string>>, now: Date): Promise<Partial<Record<JoinRole, TokenAge>>> {
  const ledger = await readLedger(store);
  const out: Partial<Record<JoinRole, TokenAge>> = {};
  for (const role of ['worker', 'manager'] as const) {
    const token = current[role];
    if (token === undefined) continue;
    const rec = ledger.tokens[tokenHash(token).toString('hex')];
    if (rec) out[role] = { role, fingerprint: rec.fingerprint, firstSeen: rec.firstSeen, ageMs: Math.max(0, now.getTime() - Date.parse(rec.firstSeen)), knownBefore: true };
  }
  return out;
}

function prune(ledger: SeenLedger): void {
  const entries = Object.entries(ledger.tokens);
  const max = defaults.tokens.seen.maxRecords;
  if (entries.length <= max) return;
  const retired = entries.filter(([, r]) => r.retiredAt).sort(([, a], [, b]) => Date.parse(a.retiredAt!) - Date.parse(b.retiredAt!));
  for (const [h] of retired.slice(0, entries.length - max)) delete ledger.tokens[h];
}

/**
 * Rotation history for SW-10 / SW-12 (and SW-08's root-rotation start). The Engine API has no timestamp for a
 * join token or the unlock key, so swarmguard keeps, per cluster, the sha256
 * of each value it has seen with first- and last-seen times. `advanceHistory`
 * is pure (clock injected as `now`); `recordHistory` / `readHistory` are the
 * store edges (atomic, 0600, under the store lock). Only fingerprints of
 * high-entropy secrets are kept: never the tokens or the key.
 */
import { InputError } from '../errors.js';
import { defaults } from '../defaults.js';
import type { StateStore } from '../store/state-store.js';
import { HISTORY_FORMAT, HISTORY_SERIES, sha256Hex, type Facts, type HistoryEntry, type HistorySeries, type RotationHistory } from './snapshot.js';

export type CurrentFingerprints = Partial<Record<HistorySeries, string>>;

/** The fingerprints a snapshot's /swarm holds now. */
export function currentFingerprints(facts: Facts): { cluster: string; current: CurrentFingerprints; rootRotation: boolean | undefined } | undefined {
  if (!('data' in facts.swarm)) return undefined;
  const s = facts.swarm.data;
  if (!s?.ID) return undefined;
  const current: CurrentFingerprints = {};
  if (s.JoinTokenFingerprints?.Worker) current['worker-token'] = s.JoinTokenFingerprints.Worker;
  if (s.JoinTokenFingerprints?.Manager) current['manager-token'] = s.JoinTokenFingerprints.Manager;
  if (s.UnlockKeyFingerprint) current['unlock-key'] = s.UnlockKeyFingerprint;
  return { cluster: s.ID, current, rootRotation: s.RootRotationInProgress };
}

/** The history after seeing `current` at `now`: a new value is appended, a known one gets a new lastSeen. */
export function advanceHistory(prev: RotationHistory | undefined, cluster: string, current: CurrentFingerprints, now: Date, rootRotation?: boolean): RotationHistory {
  const at = now.toISOString();
  const base: RotationHistory = prev && prev.cluster === cluster ? prev : { format: HISTORY_FORMAT, cluster, since: at, series: { 'worker-token': [], 'manager-token': [], 'unlock-key': [] } };
  const series = { ...base.series };
  for (const name of HISTORY_SERIES) {
    const fp = current[name];
    if (!fp) continue;
    const list = [...series[name]];
    const last = list[list.length - 1];
    if (last && last.sha256 === fp) list[list.length - 1] = { ...last, lastSeen: at };
    else list.push({ sha256: fp, firstSeen: at, lastSeen: at });
    series[name] = list.slice(-defaults.audit.historyMaxEntries);
  }
  const { rootRotationSince: since, ...rest } = base;
  // undefined = not reported: keep what was known
  const rot = rootRotation === true ? (since ?? at) : rootRotation === false ? undefined : since;
  return { ...rest, series, ...(rot ? { rootRotationSince: rot } : {}) };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isTime = (x: unknown): x is string => typeof x === 'string' && x.length <= 40 && !Number.isNaN(Date.parse(x));

/** Parse a stored or shipped history document; every defect is reported at once. */
export function parseHistory(doc: unknown, where: string): RotationHistory {
  const bad: string[] = [];
  const d = doc as Partial<RotationHistory> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new InputError('ERR_AUDIT_HISTORY_INVALID', `${where} is not a rotation history object; delete it to start tracking again`);
  if (d.format !== HISTORY_FORMAT) bad.push(`/format must be ${HISTORY_FORMAT}`);
  if (typeof d.cluster !== 'string' || d.cluster === '') bad.push('/cluster must be a non-empty string');
  if (!isTime(d.since)) bad.push('/since must be an ISO time');
  const series = {} as Record<HistorySeries, HistoryEntry[]>;
  if (!d.series || typeof d.series !== 'object') bad.push('/series must be an object');
  for (const name of HISTORY_SERIES) {
    const list = (d.series as Record<string, unknown> | undefined)?.[name];
    if (list === undefined) {
      series[name] = [];
      continue;
    }
    if (!Array.isArray(list)) {
      bad.push(`/series/${name} must be an array`);
      continue;
    }
    series[name] = [];
    list.forEach((e: Partial<HistoryEntry> | null, i) => {
      if (!e || typeof e !== 'object' || typeof e.sha256 !== 'string' || !HEX64.test(e.sha256) || !isTime(e.firstSeen) || !isTime(e.lastSeen)) {
        bad.push(`/series/${name}/${i} must be {sha256: 64 hex, firstSeen, lastSeen: ISO times}`);
      } else series[name].push({ sha256: e.sha256, firstSeen: e.firstSeen, lastSeen: e.lastSeen });
    });
  }
  if (d.rootRotationSince !== undefined && !isTime(d.rootRotationSince)) bad.push('/rootRotationSince must be an ISO time');
  if (bad.length) throw new InputError('ERR_AUDIT_HISTORY_INVALID', `${where} is not a valid rotation history: ${bad.join('; ')}; delete it to start tracking again`, { details: { errors: bad } });
  return { format: HISTORY_FORMAT, cluster: d.cluster!, since: d.since!, series, ...(d.rootRotationSince !== undefined ? { rootRotationSince: d.rootRotationSince } : {}) };
}

/** The store key of a cluster's history (cluster IDs are base36; anything else is hashed to stay a valid key). */
export function historyKey(cluster: string): string {
  const seg = /^[A-Za-z0-9]{1,64}$/.test(cluster) ? cluster : sha256Hex(cluster).slice(0, 32);
  return `${defaults.audit.historyKeyPrefix}${seg}.json`;
}

export async function readHistory(store: StateStore, cluster: string): Promise<RotationHistory | undefined> {
  const key = historyKey(cluster);
  const raw = await store.read(key);
  if (raw === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new InputError('ERR_AUDIT_HISTORY_INVALID', `${store.location}/${key} is not valid JSON; delete it to start tracking again`, { cause: e });
  }
  return parseHistory(doc, `${store.location}/${key}`);
}

/**
 * Record what `facts` show now and return the updated history, or undefined
 * when the snapshot has no swarm ID (not a manager, not in a swarm).
 */
export async function recordHistory(store: StateStore, facts: Facts, now: Date): Promise<RotationHistory | undefined> {
  const cur = currentFingerprints(facts);
  if (!cur) return undefined;
  return store.withLock(async () => {
    const next = advanceHistory(await readHistory(store, cur.cluster), cur.cluster, cur.current, now, cur.rootRotation);
    await store.write(historyKey(cur.cluster), JSON.stringify(next, null, 2) + '\n');
    return next;
  });
}

/** Record the history of a freshly collected snapshot and attach it to its facts (the CLI's live path). */
export async function attachHistory(store: StateStore, facts: Facts, now: Date): Promise<void> {
  const h = await recordHistory(store, facts, now);
  facts.history = h ? { data: h } : { unavailable: '/swarm shows no cluster ID (not a swarm manager), so no rotation history is kept' };
}

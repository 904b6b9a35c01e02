/**
 * Collect a snapshot from a live engine. An endpoint that answers with an
 * error (503 "not a swarm manager", 404 on old engines) becomes
 * `{ unavailable }`; an unreachable engine is an error (exit 3), because then
 * there is nothing to audit.
 */
import type { EngineClient } from '../engine/client.js';
import { RuntimeError, isSwarmguardError } from '../errors.js';
import { ENDPOINTS, SNAPSHOT_FORMAT, normalizeFacts, sha256Hex, type Facts, type Fact, type Snapshot, type SwarmInfo } from './snapshot.js';

const FATAL = new Set(['ERR_ENGINE_UNREACHABLE', 'ERR_ENGINE_TIMEOUT']);

export async function collectSnapshot(client: Pick<EngineClient, 'get' | 'display'>, now: Date): Promise<Snapshot> {
  const facts: Partial<Record<string, Fact<unknown>>> = {};
  for (const e of ENDPOINTS) {
    try {
      facts[e.name] = { data: await client.get(e.path) };
    } catch (err) {
      if (isSwarmguardError(err) && FATAL.has(err.code)) {
        throw new RuntimeError('ERR_ENGINE_UNREACHABLE', `cannot audit: ${err.message}`, { cause: err });
      }
      facts[e.name] = { unavailable: `GET ${e.path} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  await addUnlockKeyFingerprint(client, facts);
  return { format: SNAPSHOT_FORMAT, source: client.display, collectedAt: now.toISOString(), facts: normalizeFacts(facts as unknown as Facts) };
}

/**
 * SW-12: only a manager answers GET /swarm/unlockkey. The key goes straight
 * to its sha256 and is dropped: it never enters the facts, a log or an error.
 */
async function addUnlockKeyFingerprint(client: Pick<EngineClient, 'get'>, facts: Partial<Record<string, Fact<unknown>>>): Promise<void> {
  const swarm = facts.swarm;
  if (!swarm || !('data' in swarm) || !swarm.data || typeof swarm.data !== 'object') return;
  const data = swarm.data as SwarmInfo;
  try {
    const r = (await client.get('/swarm/unlockkey')) as { UnlockKey?: unknown } | null;
    const key = r && typeof r.UnlockKey === 'string' ? r.UnlockKey : '';
    facts.swarm = { data: key ? { ...data, UnlockKeyFingerprint: sha256Hex(key) } : data };
  } catch (err) {
    // an engine error message names the failure, never the key
    facts.swarm = { data: { ...data, UnlockKeyUnavailable: `GET /swarm/unlockkey failed: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

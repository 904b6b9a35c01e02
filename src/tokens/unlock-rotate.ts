/**
 * `rotateUnlockKey`: rotate the swarm's unlock key through the Engine API
 * (POST /swarm/update?rotateManagerUnlockKey=true) and read the new one
 * (GET /swarm/unlockkey). The caller prints it once, on stdout, and nowhere else.
 */
import { TokenSwarmError } from './errors.js';
import { bytesEqual } from './join-token.js';
import { readSwarm, updateSwarm, type SwarmEngine } from './swarm.js';
import { parseUnlockKey, unlockKeyFingerprint } from './unlock-key.js';

export interface RotateUnlockKeyResult {
  clusterId: string;
  /** The new key, `SWMKEY-1-...`: print it once, store it offline. */
  unlockKey: string;
  fingerprint: string;
  previousFingerprint: string;
}

async function readUnlockKey(engine: SwarmEngine): Promise<Buffer> {
  const body = await engine.get<{ UnlockKey?: unknown }>('/swarm/unlockkey');
  const key = typeof body === 'object' && body !== null ? (body as { UnlockKey?: unknown }).UnlockKey : undefined;
  if (typeof key !== 'string' || key === '') throw new TokenSwarmError('ERR_UNLOCK_AUTOLOCK_OFF', 'GET /swarm/unlockkey returned no key: autolock is off on this swarm; enable it with `docker swarm update --autolock=true`');
  return parseUnlockKey(key);
}

export async function rotateUnlockKey(engine: SwarmEngine): Promise<RotateUnlockKeyResult> {
  const swarm = await readSwarm(engine);
  if (!swarm.autolock) {
    throw new TokenSwarmError('ERR_UNLOCK_AUTOLOCK_OFF', 'cannot rotate the unlock key: autolock is off on this swarm; enable it with `docker swarm update --autolock=true`');
  }
  const before = await readUnlockKey(engine);
  await updateSwarm(engine, swarm, 'rotateManagerUnlockKey');
  const after = await readUnlockKey(engine);
  if (bytesEqual(before, after)) throw new TokenSwarmError('ERR_TOKEN_SWARM', 'the unlock key did not change after POST /swarm/update; check the engine logs');
  const result = { clusterId: swarm.clusterId, unlockKey: `SWMKEY-1-${after.toString('base64').replace(/=+$/, '')}`, fingerprint: unlockKeyFingerprint(after), previousFingerprint: unlockKeyFingerprint(before) };
  before.fill(0);
  after.fill(0);
  return result;
}

/**
 * `rotateJoinToken`: rotate the worker or manager token through the Engine
 * API, then record both current tokens in the age ledger.
 */
import type { Clock } from '../core/clock.js';
import type { StateStore } from '../store/state-store.js';
import { TokenSwarmError } from './errors.js';
import { tokenFingerprint, tokensEqual, type JoinRole } from './join-token.js';
import { observeTokens, type TokenAge } from './seen.js';
import { readSwarm, updateSwarm, type SwarmEngine } from './swarm.js';

export interface RotateJoinTokenResult {
  clusterId: string;
  role: JoinRole;
  /** Fingerprints only. */
  previous: string;
  current: string;
  /** The ages of both current tokens (first time we saw each). */
  ages: Record<JoinRole, TokenAge>;
  /** How long the token we replaced had been in use, as far as we know. */
  previousAge?: TokenAge;
}

export async function rotateJoinToken(engine: SwarmEngine, store: StateStore, role: JoinRole, clock: Clock): Promise<RotateJoinTokenResult> {
  const now = clock.now();
  const before = await readSwarm(engine);
  // Record what was current first, so the replaced token gets an age too.
  const beforeAges = await observeTokens(store, before.clusterId, before.joinTokens, now);
  await updateSwarm(engine, before, role === 'worker' ? 'rotateWorkerToken' : 'rotateManagerToken');
  const after = await readSwarm(engine);
  if (tokensEqual(after.joinTokens[role], before.joinTokens[role])) {
    throw new TokenSwarmError('ERR_TOKEN_SWARM', `the ${role} token did not change after POST /swarm/update; check the engine's logs`);
  }
  const ages = await observeTokens(store, after.clusterId, after.joinTokens, now);
  return {
    clusterId: after.clusterId,
    role,
    previous: tokenFingerprint(before.joinTokens[role]),
    current: tokenFingerprint(after.joinTokens[role]),
    ages,
    previousAge: beforeAges[role],
  };
}

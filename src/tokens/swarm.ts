/**
 * What the tokens module reads from a swarm manager through the Engine API:
 * GET /swarm (JoinTokens, TLSInfo.TrustRoot, Version, Spec) and the update
 * call that rotates tokens or the unlock key. All IO goes through the injected
 * engine client.
 */
import type { EngineClient } from '../engine/client.js';
import { TokenSwarmError } from './errors.js';
import { tokensEqual, type JoinRole } from './join-token.js';

/** The two calls the tokens module needs; EngineClient has them, tests pass a fake. */
export type SwarmEngine = Pick<EngineClient, 'get' | 'post'>;

export interface SwarmView {
  clusterId: string;
  versionIndex: number;
  /** The SwarmSpec, sent back unchanged on update (the API requires it). */
  spec: Record<string, unknown>;
  /** Never print these. */
  joinTokens: Record<JoinRole, string>;
  trustRootPem: string;
  autolock: boolean;
}

interface SwarmJson {
  ID?: unknown;
  Version?: { Index?: unknown };
  Spec?: unknown;
  JoinTokens?: { Worker?: unknown; Manager?: unknown };
  TLSInfo?: { TrustRoot?: unknown };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** GET /swarm, checked: a manager of an initialised swarm answers with all of these fields. */
export async function readSwarm(engine: SwarmEngine): Promise<SwarmView> {
  const body = (await engine.get<SwarmJson>('/swarm')) as unknown;
  if (!isObject(body)) throw swarmError('the answer is not a JSON object');
  const s = body as SwarmJson;
  const index = s.Version?.Index;
  const worker = s.JoinTokens?.Worker;
  const manager = s.JoinTokens?.Manager;
  const trustRoot = s.TLSInfo?.TrustRoot;
  if (typeof s.ID !== 'string' || s.ID === '') throw swarmError('it has no swarm ID');
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw swarmError('it has no Version.Index');
  if (!isObject(s.Spec)) throw swarmError('it has no Spec');
  if (typeof worker !== 'string' || typeof manager !== 'string') throw swarmError('it has no JoinTokens (is this node a manager?)');
  if (typeof trustRoot !== 'string') throw swarmError('it has no TLSInfo.TrustRoot (Engine API 1.30 or later is needed)');
  const enc = (s.Spec as { EncryptionConfig?: { AutoLockManagers?: unknown } }).EncryptionConfig;
  return {
    clusterId: s.ID,
    versionIndex: index,
    spec: s.Spec,
    joinTokens: { worker, manager },
    trustRootPem: trustRoot,
    autolock: enc?.AutoLockManagers === true,
  };
}

function swarmError(why: string): TokenSwarmError {
  return new TokenSwarmError('ERR_TOKEN_SWARM', `GET /swarm: ${why}; point --engine at a manager of an initialised swarm`);
}

/** Which current token this is, compared in constant time against both (as the CA does, spec 1.5 step 8). */
export function currentRoleOf(token: string, swarm: SwarmView): JoinRole | undefined {
  // Evaluate both comparisons every time so the timing does not reveal which matched.
  const isManager = tokensEqual(token, swarm.joinTokens.manager);
  const isWorker = tokensEqual(token, swarm.joinTokens.worker);
  return isManager ? 'manager' : isWorker ? 'worker' : undefined;
}

export type SwarmRotation = 'rotateWorkerToken' | 'rotateManagerToken' | 'rotateManagerUnlockKey';

/** POST /swarm/update?version=N&<flag>=true with the unchanged spec (what `docker swarm join-token --rotate` does). */
export async function updateSwarm(engine: SwarmEngine, swarm: SwarmView, flag: SwarmRotation): Promise<void> {
  await engine.post(`/swarm/update?version=${swarm.versionIndex}&${flag}=true`, swarm.spec);
}

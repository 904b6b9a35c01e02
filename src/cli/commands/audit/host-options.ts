import type { Command } from 'commander';
import type { EngineClient } from '../../../engine/client.js';
import type { Snapshot } from '../../../audit/snapshot.js';

export interface HostOpts {
  host: boolean;
  pidfile?: string;
  configFile?: string;
  dataRoot?: string;
  execRoot?: string;
}

/** The flags that steer host collection, shared by `audit` and `audit snapshot`. */
export function addHostOptions(cmd: Command): Command {
  return cmd
    .option('--no-host', 'do not read host facts (daemon flags, daemon.json, file modes, sockets, swarm state)')
    .option('--pidfile <file>', "the daemon's pidfile (default: the owner of the engine's unix socket)")
    .option('--config-file <file>', "the daemon's daemon.json (default: its --config-file flag, else /etc/docker/daemon.json)")
    .option('--data-root <dir>', "the daemon's data root (default: from its flags / daemon.json)")
    .option('--exec-root <dir>', "the daemon's exec root (default: from its flags / daemon.json)");
}

/**
 * Add host facts to a snapshot just collected from `client`: only for a local
 * engine (unix socket) or a daemon named by --pidfile; a remote engine's host
 * is not this machine.
 */
export async function addHostFacts(snap: Snapshot, client: Pick<EngineClient, 'target' | 'display'>, o: HostOpts): Promise<void> {
  if (!o.host) {
    snap.facts.host = { unavailable: 'host facts were not collected (--no-host)' };
    return;
  }
  const socketPath = client.target.socketPath;
  if (socketPath === undefined && o.pidfile === undefined) {
    snap.facts.host = { unavailable: `${client.display} is a remote engine: host facts can only be read on the node itself (run swarmguard audit there, or give --pidfile)` };
    return;
  }
  const { collectHostFacts } = await import('../../../audit/host/collect.js');
  const { isSwarmguardError } = await import('../../../errors.js');
  try {
    snap.facts.host = {
      data: await collectHostFacts({
        ...(socketPath !== undefined ? { socketPath } : {}),
        ...(o.pidfile !== undefined ? { pidfile: o.pidfile } : {}),
        ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
        ...(o.dataRoot !== undefined ? { dataRoot: o.dataRoot } : {}),
        ...(o.execRoot !== undefined ? { execRoot: o.execRoot } : {}),
      }),
    };
  } catch (e) {
    // a bad --pidfile or --config-file is the user's input (exit 2); anything else makes host rules unknown
    if (isSwarmguardError(e)) throw e;
    snap.facts.host = { unavailable: `cannot read host facts: ${(e as Error).message}` };
  }
}

/**
 * What `audit` and `audit snapshot` collect from a live engine: the Engine API, the host facts (local engines)
 * and, unless --no-probe-tls, the managers' swarm-port certificates (SW-05).
 */
export async function collectLive(o: HostOpts & { engine?: string; probeTls?: boolean; tlsProbe?: readonly string[] }, now: Date): Promise<Snapshot> {
  const { collectSnapshot } = await import('../../../audit/collect.js');
  const { defaults } = await import('../../../defaults.js');
  const { EngineClient } = await import('../../../engine/client.js');
  const client = new EngineClient({ ...(o.engine ? { url: o.engine } : {}), timeoutMs: defaults.audit.engineTimeoutMs });
  try {
    const snap = await collectSnapshot(client, now);
    await addHostFacts(snap, client, o);
    if (o.probeTls !== false) snap.facts.tls = await (await import('../../../audit/collect-tls.js')).collectTls(snap.facts, { addresses: o.tlsProbe ?? [] });
    return snap;
  } finally {
    client.close();
  }
}

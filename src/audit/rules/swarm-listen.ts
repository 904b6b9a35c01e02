/**
 * `swarm-listen`: CIS 7.2 / SW-33, the swarm ports as bound in the daemon's
 * network namespace (from /proc/PID/net): the management port (whatever
 * --listen-addr chose: any TCP listener of the daemon that is not an API
 * host or the metrics address), 7946/tcp+udp gossip and 4789/udp VXLAN.
 * docker-bench looks at 2377/tcp only.
 */
import type { ListeningSocket } from '../host/types.js';
import type { Outcome, RuleKind, Severity } from '../types.js';
import { HOST_ENGINE, hostOr, unknownHost } from './host-util.js';

interface Params {
  tcpPorts: number[];
  udpPorts: number[];
  /** Severity of a bind to a public (not private, loopback or link-local) address; a public bind passes without it. */
  publicSeverity?: Severity;
  /**
   * UDP ports the kernel binds to every interface whatever the flags say (the
   * VXLAN socket of overlay networks): a wildcard bind there is reported `low`,
   * with a firewall remedy, since no dockerd option narrows it.
   */
  firewallOnlyPorts?: number[];
}

const WILDCARD = new Set(['0.0.0.0', '::']);

export function isPrivateAddress(a: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/.exec(a);
  if (v4) {
    const [x, y] = [Number(v4[1]), Number(v4[2])];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y < 32) || (x === 192 && y === 168) || (x === 169 && y === 254) || (x === 100 && y >= 64 && y < 128);
  }
  const l = a.toLowerCase();
  return l === '::1' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l);
}

function portsOf(hosts: unknown): Set<number> {
  const out = new Set<number>();
  for (const h of Array.isArray(hosts) ? hosts : typeof hosts === 'string' ? [hosts] : []) {
    const m = typeof h === 'string' ? /:(\d+)\/?$/.exec(h) : null;
    if (m && !String(h).startsWith('unix:')) out.add(Number(m[1]));
  }
  return out;
}

export const swarmListen: RuleKind<Params> = {
  kind: 'swarm-listen',
  describe: "fails for every swarm port (the daemon's own TCP listeners, `tcpPorts`, `udpPorts`) bound to a wildcard address, or with `publicSeverity` to a public one; read from the daemon's network namespace",
  paramsSchema: {
    type: 'object',
    required: ['tcpPorts', 'udpPorts'],
    additionalProperties: false,
    properties: {
      tcpPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
      udpPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
      publicSeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] },
      firewallOnlyPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
    },
  },
  evaluate(facts, p) {
    const info = 'data' in facts.info ? facts.info.data : undefined;
    const state = info?.Swarm?.LocalNodeState;
    if (state === 'inactive') return [{ status: 'pass', target: HOST_ENGINE, message: 'swarm mode is not active: no swarm ports' }];
    const h = hostOr(facts);
    if ('why' in h) return unknownHost(HOST_ENGINE, h.why);
    const l = h.data.listening;
    if ('unavailable' in l) return unknownHost(HOST_ENGINE, `listening sockets unknown: ${l.unavailable}`);
    const notSwarm = new Set([...portsOf(h.data.settings.hosts?.value), ...portsOf(h.data.settings['metrics-addr']?.value)]);
    // When the daemon's own sockets are known, a swarm port held by another process (a second dockerd in the same
    // namespace) is not this daemon's; kernel-held sockets (the VXLAN socket, inode 0) have no owner and are kept.
    const owned = l.some((s: ListeningSocket) => s.daemon);
    const ours = (s: ListeningSocket): boolean => !owned || s.daemon || s.inode === 0;
    const swarm = l.filter((s: ListeningSocket) =>
      ours(s) && (s.proto.startsWith('tcp') ? p.tcpPorts.includes(s.port) || (s.daemon && !notSwarm.has(s.port)) : p.udpPorts.includes(s.port)),
    );
    if (swarm.length === 0) {
      if (state === undefined) return unknownHost(HOST_ENGINE, 'no swarm port is bound, and /info (swarm state) is unavailable');
      return unknownHost(HOST_ENGINE, `swarm state is ${state} but no swarm port is bound in the daemon's network namespace`);
    }
    return swarm.map((s): Outcome => {
      const target = { kind: 'socket' as const, id: `${s.proto.replace('6', '')}/${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}` };
      if (WILDCARD.has(s.address) && s.proto.startsWith('udp') && p.firewallOnlyPorts?.includes(s.port)) {
        return { status: 'fail', severity: 'low', target, message: `udp port ${s.port} is bound to every interface by the kernel (no dockerd option narrows it); firewall it to cluster peers` };
      }
      if (WILDCARD.has(s.address)) return { status: 'fail', target, message: `${s.proto} port ${s.port} is bound to every interface (${s.address}); give --listen-addr / --data-path-addr a specific IP` };
      if (p.publicSeverity && !isPrivateAddress(s.address)) return { status: 'fail', severity: p.publicSeverity, target, message: `${s.proto} port ${s.port} is bound to the public address ${s.address}` };
      return { status: 'pass', target, message: `${s.proto} port ${s.port} is bound to ${s.address} only` };
    });
  },
};

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addHostOptions, collectLive, type HostOpts } from './host-options.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface RunOpts extends HostOpts {
  snapshot?: string;
  engine?: string;
  policy: string[];
  builtin: boolean;
  disable: string[];
  severity: string[];
  format?: string;
  failOn?: string;
  at?: string;
  history: boolean;
  tlsProbe: string[];
  probeTls: boolean;
  fleet?: string;
}

/** The area's own action: `swarmguard audit` (DOCKER_HOST or the default socket when no --snapshot / --engine). */
export function registerRun(area: Command, ctx: () => CliContext): void {
  area
    .option('--snapshot <dir>', 'audit a snapshot directory (ours, or raw Engine API answers: info.json, swarm.json, ...)')
    .option('--engine <url>', 'engine to audit (default $DOCKER_HOST, else unix:///var/run/docker.sock)')
    .option('--policy <file|dir>', 'more policy files (repeatable)', collect, [])
    .option('--no-builtin', 'do not load the shipped policies (only --policy)')
    .option('--disable <rule>', 'skip a rule (repeatable)', collect, [])
    .option('--severity <rule=sev>', 'override a rule severity: critical, high, medium, low, info (repeatable)', collect, [])
    .option('--format <fmt>', 'text, json, sarif or junit (default text; json with --json)')
    .option('--fail-on <severity>', 'exit 1 when a failing finding is at or above this severity')
    .option('--at <time>', 'evaluate at this time (waiver expiry, CA age) instead of now')
    .option('--no-history', 'do not record join-token / unlock-key fingerprints in the state store (SW-10, SW-12 then report unknown)')
    .option('--tls-probe <host:port>', 'also probe this swarm port over TLS for SW-05 (repeatable; managers in /nodes are probed anyway)', collect, [])
    .option('--no-probe-tls', 'do not TLS-probe the managers\' swarm ports (SW-05 becomes unknown)')
    .option('--fleet <file>', 'audit every engine listed in FILE (one URL per line, or JSON with per-swarm node engines)');
  addHostOptions(area).action(async (o: RunOpts) => {
    const c = ctx();
    const { UsageError } = await import('../../../errors.js');
    const { clockAt } = await import('../../context.js');
    const a = await import('../../../audit/audit.js');
    const { defaults } = await import('../../../defaults.js');
    const sevs = defaults.audit.severities as readonly string[];
    const format = o.format ?? (c.json ? 'json' : 'text');
    if (!a.REPORTERS.has(format)) throw new UsageError('ERR_CLI_USAGE', `--format must be one of ${[...a.REPORTERS.keys()].join(', ')}, not ${JSON.stringify(format)}`);
    if (c.json && format !== 'json') throw new UsageError('ERR_CLI_USAGE', `--json prints JSON; drop it to use --format ${format}`);
    if (o.failOn !== undefined && !sevs.includes(o.failOn)) throw new UsageError('ERR_CLI_USAGE', `--fail-on must be one of ${sevs.join(', ')}, not ${JSON.stringify(o.failOn)}`);
    if (o.snapshot !== undefined && o.tlsProbe.length > 0) throw new UsageError('ERR_CLI_USAGE', '--tls-probe dials live managers; a --snapshot carries its own tls.json');
    if (o.snapshot !== undefined && o.engine !== undefined) throw new UsageError('ERR_CLI_USAGE', 'give --snapshot or --engine, not both');
    if (o.snapshot !== undefined && (o.pidfile ?? o.configFile ?? o.dataRoot ?? o.execRoot) !== undefined) {
      throw new UsageError('ERR_CLI_USAGE', '--pidfile, --config-file, --data-root and --exec-root steer host collection; a --snapshot already holds its host facts');
    }
    const overrides = o.severity.map((s): [string, (typeof defaults.audit.severities)[number]] => {
      const m = /^([^=]+)=(.+)$/.exec(s);
      if (!m || !sevs.includes(m[2]!)) throw new UsageError('ERR_CLI_USAGE', `--severity wants RULE=SEVERITY (${sevs.join('|')}), not ${JSON.stringify(s)}`);
      return [m[1]!, m[2] as (typeof defaults.audit.severities)[number]];
    });
    const now = (o.at !== undefined ? clockAt(o.at) : c.clock).now();
    const policy = a.applyOverrides(await a.loadPolicy(o.policy, { builtin: o.builtin }), { disable: o.disable, severity: overrides });
    if (o.fleet !== undefined) {
      if (o.snapshot !== undefined || o.engine !== undefined) throw new UsageError('ERR_CLI_USAGE', 'give --fleet alone, without --snapshot or --engine');
      await (await import('./fleet.js')).runFleet(c, { file: o.fleet, policy, now, format, failOn: o.failOn as (typeof defaults.audit.severities)[number] | undefined, probeTls: o.probeTls });
      return;
    }
    let snapshot;
    if (o.snapshot !== undefined) snapshot = await a.loadSnapshot(o.snapshot);
    else {
      snapshot = await collectLive(o, now);
      if (o.history) await a.attachHistory(c.store(), snapshot.facts, now);
      else snapshot.facts.history = { unavailable: 'rotation history is off (--no-history)' };
    }
    const result = a.evaluatePolicy(snapshot, policy, now);
    // written in pieces: a large swarm's report does not fit in one string (with --json this is the
    // one JSON document on stdout, byte for byte what c.emit would print)
    await a.writeChunks(process.stdout, a.reportChunks(format, { result, rules: policy.rules, color: format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR }));
    if (o.failOn !== undefined && a.failsAt(result.findings, o.failOn as (typeof defaults.audit.severities)[number])) c.setExitCode(1);
  });
}

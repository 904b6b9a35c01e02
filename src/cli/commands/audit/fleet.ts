/** `swarmguard audit --fleet FILE`: the edges (files, engine clients, progress) around auditFleet. */
import type { CliContext } from '../../context.js';
import { readFileArg } from '../../context.js';
import { UsageError } from '../../../errors.js';
import type { Policy } from '../../../audit/policy.js';
import type { Severity } from '../../../audit/severity.js';
import type { FleetTls } from '../../../audit/fleet.js';

export interface FleetRunOpts {
  file: string;
  policy: Policy;
  now: Date;
  format: string;
  failOn: Severity | undefined;
  probeTls: boolean;
}

export async function runFleet(c: CliContext, o: FleetRunOpts): Promise<void> {
  if (o.format !== 'text' && o.format !== 'json') throw new UsageError('ERR_CLI_USAGE', `--fleet prints text or json, not ${o.format}`);
  const { parseFleetFile, auditFleet, progressBar, UNREACHABLE_RULE } = await import('../../../audit/fleet.js');
  const { collectSnapshot } = await import('../../../audit/collect.js');
  const { collectTls } = await import('../../../audit/collect-tls.js');
  const { failsAt } = await import('../../../audit/evaluate.js');
  const { EngineClient } = await import('../../../engine/client.js');
  const { defaults } = await import('../../../defaults.js');
  const targets = parseFleetFile(readFileArg(o.file, 'the fleet file').toString('utf8'));
  const tlsCache = new Map<string, { ca?: Buffer; cert?: Buffer; key?: Buffer }>();
  const tlsOf = (t: FleetTls | undefined) => {
    if (!t) return undefined;
    const k = JSON.stringify(t);
    if (!tlsCache.has(k)) {
      tlsCache.set(k, {
        ...(t.ca ? { ca: readFileArg(t.ca, 'the fleet TLS CA') } : {}),
        ...(t.cert ? { cert: readFileArg(t.cert, 'the fleet TLS certificate') } : {}),
        ...(t.key ? { key: readFileArg(t.key, 'the fleet TLS key') } : {}),
      });
    }
    return tlsCache.get(k);
  };
  // read every TLS file up front: a bad path is a usage error before any dialling
  for (const t of targets) tlsOf(t.tls);
  const tty = process.stderr.isTTY === true;
  const result = await auditFleet(
    targets,
    o.policy,
    {
      async collect(engine, tls) {
        const m = tlsOf(tls);
        const client = new EngineClient({ url: engine, timeoutMs: defaults.audit.engineTimeoutMs, ...(m ? { tls: m } : {}) });
        try {
          const snap = await collectSnapshot(client, o.now);
          if (o.probeTls) snap.facts.tls = await collectTls(snap.facts);
          return snap;
        } finally {
          client.close();
        }
      },
      async nodeFacts(engine, tls) {
        const m = tlsOf(tls);
        const client = new EngineClient({ url: engine, timeoutMs: defaults.audit.fleet.nodeInfoTimeoutMs, ...(m ? { tls: m } : {}) });
        try {
          const info = await client.get<Record<string, unknown>>('/info');
          let version: unknown;
          try {
            version = await client.get('/version');
          } catch {
            version = undefined;
          }
          return { info, ...(version !== undefined ? { version } : {}) };
        } finally {
          client.close();
        }
      },
      onProgress(done, total, label) {
        // a bar redrawn in place on a terminal; plain lines, no escape codes, elsewhere
        if (tty) process.stderr.write(`\r\x1b[2K${progressBar(done, total, label)}${done === total ? '\n' : ''}`);
        else c.log(`audited ${done}/${total}: ${label}`);
      },
    },
    { now: o.now },
  );
  if (o.format === 'json') {
    // a fleet of large swarms is too big for one string: the same document, written in pieces
    const { prettyJsonChunks, writeChunks } = await import('../../../audit/report/chunks.js');
    await writeChunks(
      process.stdout,
      (function* () {
        yield* prettyJsonChunks(result);
        yield '\n';
      })(),
    );
  } else c.emit(result, () => {
    const lines: string[] = [];
    for (const t of result.targets) {
      lines.push(`== ${t.name} (${t.engine})${t.swarmId ? ` swarm ${t.swarmId}` : ''}: ${t.status === 'audited' ? `${t.result!.summary.fail} failing of ${t.result!.summary.total}` : `UNREACHABLE: ${t.error}`}`);
      for (const f of result.findings.filter((x) => x.scope.target === t.name && (x.status === 'fail' || x.rule === UNREACHABLE_RULE))) {
        lines.push(`  ${f.status.toUpperCase()} ${f.severity} ${f.rule} ${f.scope.node ? `[${f.scope.node}] ` : ''}${f.target.name ?? f.target.id}: ${f.message}`);
      }
      for (const n of t.nodes) lines.push(`  node ${n.engine}: ${n.status}${n.error ? ` (${n.error})` : ''}`);
    }
    const s = result.summary;
    lines.push(`${s.targets} targets (${s.unreachableTargets} unreachable), ${s.nodes} node engines (${s.unreachableNodes} unreachable): ${s.pass} pass, ${s.fail} fail, ${s.unknown} unknown, ${s.waived} waived`);
    return lines.join('\n');
  });
  const s = result.summary;
  if (s.targets > 0 && s.unreachableTargets === s.targets) c.setExitCode(3);
  else if (o.failOn !== undefined && (failsAt(result.findings, o.failOn) || s.unreachableTargets > 0 || s.unreachableNodes > 0)) c.setExitCode(1);
}

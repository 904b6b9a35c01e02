import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/**
 * `swarmguard start` (what `npm start` runs): create or reuse the CA in the
 * state directory, issue nothing, print its status and next steps.
 */
export function registerStart(program: Command, ctx: () => CliContext): void {
  program
    .command('start')
    .description('the main job: create (or reuse) the CA in the state directory and print its status and next steps')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin); else $SWARMGUARD_CA_PASSPHRASE, else a prompt on a terminal')
    .action(async (o: { passphraseFile?: string }) => {
      const c = ctx();
      const { readCaState } = await import('../../ca/state.js');
      const { describeCa } = await import('../../ca/describe.js');
      const store = c.store();
      let state = await readCaState(store);
      let created = false;
      if (!state) {
        const { caPassphrase } = await import('../passphrase.js');
        const passphrase = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), confirm: true, required: false });
        if (passphrase) {
          const { initCa } = await import('../../ca/init.js');
          state = (await initCa(store, { passphrase }, c.clock)).state;
          passphrase.fill(0);
          created = true;
        }
      }
      const audit = await auditLocalEngine(c);
      const auditLines = audit.reachable
        ? [`audit of ${audit.engine}: ${audit.summaryLine}`, audit.report ?? '']
        : [`audit skipped: ${audit.reason}`];
      if (!state) {
        const next = [
          'give the CA a passphrase to create it (it encrypts the CA key at rest):',
          '  npm start -- --passphrase-file FILE    (or - to read it from stdin)',
          '  npm start                               (on a terminal: prompts for it; or set SWARMGUARD_CA_PASSPHRASE)',
        ];
        c.emit({ stateDir: c.stateDir, ca: null, created: false, next, audit: audit.doc }, () => [...auditLines, `state directory: ${c.stateDir}`, 'no CA yet.', ...next].join('\n'));
        return;
      }
      const d = describeCa(state, c.clock.now());
      const next = [
        'swarmguard ca export-root > swarm-root-ca.crt           # the trust root for nodes and clients',
        'swarmguard ca issue --csr node.csr --node-id ID --role worker   # sign a node certificate',
        'swarmguard ca serve --client-ca swarm-root-ca.crt      # cfssl API for docker swarm --external-ca',
        'swarmguard ca status                                    # rotation stage, expiry horizon',
      ];
      c.emit({ stateDir: c.stateDir, created, ca: d, next, audit: audit.doc }, () =>
        [
          ...auditLines,
          `state directory: ${c.stateDir}`,
          `${created ? 'created' : 'using'} ${d.mode} CA, cluster ID ${d.clusterId}, stage ${d.stage}`,
          ...d.roots.map((r) => `  root ${r.subject}  expires ${r.notAfter} (${r.expiresInDays} days)  sha256 ${r.fingerprint}`),
          `  trust-root digest ${d.trustRootDigest}`,
          'next steps:',
          ...next.map((n) => `  ${n}`),
        ].join('\n'),
      );
    });
}

type LocalAudit =
  | { reachable: true; engine: string; summaryLine: string; report?: string; doc: unknown }
  | { reachable: false; engine: string; reason: string; doc: unknown };

/** Audit the local engine (DOCKER_HOST or the default socket) when one answers; else say why not. */
async function auditLocalEngine(c: CliContext): Promise<LocalAudit> {
  const { EngineClient } = await import('../../engine/client.js');
  const { defaults } = await import('../../defaults.js');
  const probe = new EngineClient({ timeoutMs: 2_000 });
  const engine = probe.display;
  try {
    await probe.get('/_ping');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { reachable: false, engine, reason, doc: { engine, reachable: false, reason } };
  } finally {
    probe.close();
  }
  const a = await import('../../audit/audit.js');
  const now = c.clock.now();
  const client = new EngineClient({ timeoutMs: defaults.audit.engineTimeoutMs });
  try {
    const snapshot = await a.collectSnapshot(client, now);
    // the same host facts as `swarmguard audit` (only for a local unix socket)
    const { addHostFacts } = await import('./audit/host-options.js');
    await addHostFacts(snapshot, client, { host: true });
    const policy = await a.loadPolicy([], { builtin: true });
    const result = a.evaluatePolicy(snapshot, policy, now);
    const s = result.summary as unknown as Record<string, unknown>;
    const summaryLine = (['pass', 'fail', 'unknown', 'waived'] as const).map((k) => `${k} ${String(s[k])}`).join(', ');
    const report = a.renderReport('text', { result, rules: policy.rules, color: process.stdout.isTTY === true && !process.env.NO_COLOR });
    return { reachable: true, engine, summaryLine, report, doc: { engine, reachable: true, ...result } };
  } finally {
    client.close();
  }
}

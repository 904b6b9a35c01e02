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
      if (!state) {
        const next = [
          'give the CA a passphrase to create it (it encrypts the CA key at rest):',
          '  npm start -- --passphrase-file FILE    (or - to read it from stdin)',
          '  npm start                               (on a terminal: prompts for it; or set SWARMGUARD_CA_PASSPHRASE)',
        ];
        c.emit({ stateDir: c.stateDir, ca: null, created: false, next }, () => [`state directory: ${c.stateDir}`, 'no CA yet.', ...next].join('\n'));
        return;
      }
      const d = describeCa(state, c.clock.now());
      const next = [
        'swarmguard ca export-root > swarm-root-ca.crt           # the trust root for nodes and clients',
        'swarmguard ca issue --csr node.csr --node-id ID --role worker   # sign a node certificate',
        'swarmguard ca serve --client-ca swarm-root-ca.crt      # cfssl API for docker swarm --external-ca',
        'swarmguard ca status                                    # rotation stage, expiry horizon',
      ];
      c.emit({ stateDir: c.stateDir, created, ca: d, next }, () =>
        [
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

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerInit(area: Command, ctx: () => CliContext): void {
  area
    .command('init')
    .description('create the cluster CA: a new SwarmKit-style root, an imported root, or an intermediate under an enterprise root')
    .option('--passphrase-file <file>', 'file holding the passphrase that encrypts the CA key (- for stdin)')
    .option('--cluster-id <id>', 'O of node certificates (default: a new SwarmKit-style ID)')
    .option('--import-cert <file>', 'import this root (or, with --roots, intermediate) certificate instead of generating one')
    .option('--import-key <file>', 'the private key of --import-cert')
    .option('--import-key-passphrase-file <file>', 'passphrase of an encrypted --import-key')
    .option('--roots <file>', 'enterprise root bundle: makes --import-cert an intermediate under it')
    .action(async (o: { passphraseFile?: string; clusterId?: string; importCert?: string; importKey?: string; importKeyPassphraseFile?: string; roots?: string }) => {
      const c = ctx();
      const { readFileArg, readSecret } = await import('../../context.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const { initCa } = await import('../../../ca/init.js');
      const { describeCa } = await import('../../../ca/describe.js');
      const { UsageError } = await import('../../../errors.js');
      if ((o.importKey || o.roots) && !o.importCert) throw new UsageError('ERR_CLI_USAGE', '--import-key and --roots go with --import-cert');
      const passphrase = (await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), confirm: true, required: true }))!;
      const material = o.importCert
        ? {
            cert: readFileArg(o.importCert, 'the certificate to import'),
            ...(o.importKey ? { key: readFileArg(o.importKey, 'the key to import') } : {}),
            ...(o.importKeyPassphraseFile ? { keyPassphrase: readSecret({ file: o.importKeyPassphraseFile, what: 'the import key passphrase', required: true })! } : {}),
          }
        : undefined;
      const { state } = await initCa(
        c.store(),
        {
          passphrase,
          ...(o.clusterId !== undefined ? { clusterId: o.clusterId } : {}),
          ...(material && !o.roots ? { importRoot: material } : {}),
          ...(material && o.roots ? { intermediate: { ...material, roots: readFileArg(o.roots, 'the root bundle') } } : {}),
        },
        c.clock,
      );
      passphrase.fill(0);
      const d = describeCa(state, c.clock.now());
      c.emit({ created: true, stateDir: c.stateDir, ...d }, () => `created ${d.mode} CA in ${c.stateDir}\n  cluster ID: ${d.clusterId}\n  root: ${d.roots.map((r) => `${r.subject} (sha256 ${r.fingerprint.slice(0, 16)}…, expires ${r.notAfter})`).join('; ')}\n  next: swarmguard ca export-root > swarm-root-ca.crt`);
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerIssue(area: Command, ctx: () => CliContext): void {
  area
    .command('issue')
    .description('sign a CSR: a node certificate (--node-id, --role) or a client/server certificate (--profile)')
    .requiredOption('--csr <file>', 'the certificate request, PEM or DER (- for stdin)')
    .option('--node-id <id>', 'node ID (CN) for a node certificate')
    .option('--role <role>', 'manager or worker (OU swarm-manager / swarm-worker)')
    .option('--profile <name>', 'profile from certs/: node-manager, node-worker, client, server')
    .option('--cn <name>', 'subject CN for client/server profiles')
    .option('--org <name>', 'subject O for client/server profiles')
    .option('--ou <name>', 'subject OU for client/server profiles')
    .option('--host <name...>', 'DNS names or IPs (SANs) for client/server profiles')
    .option('--expiry <duration>', 'lifetime such as 2160h (minimum 1h)')
    .option('--out <file>', 'write the PEM chain here (0644, atomically) instead of stdout')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin)')
    .action(async (o: { csr: string; nodeId?: string; role?: string; profile?: string; cn?: string; org?: string; ou?: string; host?: string[]; expiry?: string; out?: string; passphraseFile?: string }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const { CertificateAuthority } = await import('../../../ca/authority.js');
      const { openRevocations } = await import('../../../ca/revocation-list.js');
      const { parseDuration } = await import('../../../core/duration.js');
      const { UsageError } = await import('../../../errors.js');
      const { writeFileAtomic } = await import('../../../store/file-store.js');
      if (o.role !== undefined && o.role !== 'manager' && o.role !== 'worker') {
        throw new UsageError('ERR_CLI_USAGE', `--role must be manager or worker, not ${JSON.stringify(o.role)}`);
      }
      if (!o.profile && !o.role) throw new UsageError('ERR_CLI_USAGE', 'give --role manager|worker with --node-id, or --profile client|server');
      if (o.role && o.nodeId === undefined) throw new UsageError('ERR_CLI_USAGE', '--role needs --node-id');
      if (o.passphraseFile === '-' && o.csr === '-') throw new UsageError('ERR_CLI_USAGE', 'the CSR and the passphrase cannot both come from stdin');
      const csr = readFileArg(o.csr, 'the CSR');
      const passphrase = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true });
      const store = c.store();
      const revocations = await openRevocations(store);
      const ca = await CertificateAuthority.open(store, { passphrase, clock: c.clock, isNodeBlocked: (id) => revocations.isNodeRevoked(id) });
      passphrase?.fill(0);
      const subject: Array<['CN' | 'O' | 'OU', string]> = [];
      if (o.org) subject.push(['O', o.org]);
      if (o.ou) subject.push(['OU', o.ou]);
      if (o.cn) subject.push(['CN', o.cn]);
      const issued = await ca.issue({
        csr,
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.role ? { role: o.role as 'manager' | 'worker' } : {}),
        ...(o.nodeId !== undefined ? { nodeId: o.nodeId } : {}),
        ...(subject.length ? { subject } : {}),
        ...(o.host ? { hosts: o.host } : {}),
        ...(o.expiry ? { expiryMs: parseDuration(o.expiry, '--expiry') } : {}),
        via: 'cli',
      });
      if (o.out) await writeFileAtomic(o.out, issued.chainPem, 0o644);
      const doc = { serial: issued.serialHex, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString(), hosts: issued.hosts, ...(o.out ? { out: o.out } : { certificate: issued.chainPem }) };
      if (c.json) c.emit(doc, () => '');
      else if (o.out) c.log(`issued serial ${issued.serialHex} (valid to ${doc.notAfter}) → ${o.out}`);
      else process.stdout.write(issued.chainPem);
    });
}

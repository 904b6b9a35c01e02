import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRenew(area: Command, ctx: () => CliContext): void {
  area
    .command('renew')
    .description('reissue a certificate this CA issued, with the same identity: same key, or the key of --csr (rekey); only when due unless --force')
    .requiredOption('--cert <file>', 'the current certificate (PEM chain or DER; - for stdin)')
    .option('--csr <file>', 'a new CSR: certify its key instead of the current one (rekey)')
    .option('--force', 'renew now even if not yet due (50–80 % of the lifetime, spec 3)')
    .option('--expiry <duration>', "lifetime of the new certificate (default: the current certificate's)")
    .option('--out <file>', 'write the PEM chain here (0644, atomically) instead of stdout')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin)')
    .action(async (o: { cert: string; csr?: string; force?: boolean; expiry?: string; out?: string; passphraseFile?: string }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const { renewCertificate } = await import('../../../ca/renew.js');
      const { parseDuration } = await import('../../../core/duration.js');
      const { UsageError } = await import('../../../errors.js');
      const { writeFileAtomic } = await import('../../../store/file-store.js');
      const stdinUsers = [o.cert, o.csr, o.passphraseFile].filter((f) => f === '-').length;
      if (stdinUsers > 1) throw new UsageError('ERR_CLI_USAGE', 'only one of --cert, --csr and --passphrase-file can read stdin');
      const cert = readFileArg(o.cert, 'the certificate to renew');
      const csr = o.csr !== undefined ? readFileArg(o.csr, 'the CSR') : undefined;
      let asked: Uint8Array | undefined;
      const r = await renewCertificate(
        c.store(),
        { cert, ...(csr ? { csr } : {}), ...(o.force ? { force: true } : {}), ...(o.expiry ? { expiryMs: parseDuration(o.expiry, '--expiry') } : {}) },
        {
          clock: c.clock,
          passphrase: async () => (asked = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true })),
        },
      );
      asked?.fill(0);
      const who = r.previous.nodeId !== undefined ? `node ${r.previous.nodeId}` : (r.previous.subject ?? r.previous.profile);
      if (!r.renewed) {
        const doc = { renewed: false, serial: r.previous.serial, due: r.decision.at.toISOString(), reason: r.decision.reason };
        if (c.json) c.emit(doc, () => '');
        else c.log(`${who}: serial ${r.previous.serial} is ${r.decision.reason}; nothing issued (pass --force to renew now)`);
        return;
      }
      const i = r.issued;
      if (o.out) await writeFileAtomic(o.out, i.chainPem, 0o644);
      const doc = {
        renewed: true,
        rekeyed: r.rekeyed,
        previousSerial: r.previous.serial,
        serial: i.serialHex,
        notBefore: i.notBefore.toISOString(),
        notAfter: i.notAfter.toISOString(),
        hosts: i.hosts,
        ...(o.out ? { out: o.out } : { certificate: i.chainPem }),
      };
      if (c.json) c.emit(doc, () => '');
      else {
        c.log(`${r.rekeyed ? 'rekeyed' : 'renewed'} ${who}: serial ${r.previous.serial} → ${i.serialHex} (valid to ${doc.notAfter})${o.out ? ` → ${o.out}` : ''}`);
        if (!o.out) process.stdout.write(i.chainPem);
      }
    });
}

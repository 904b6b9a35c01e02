import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerCrl(area: Command, ctx: () => CliContext): void {
  area
    .command('crl')
    .description('print the CA\'s CRL (PEM); re-signs it when missing, past half its validity, or with --refresh')
    .option('--refresh', 're-sign now')
    .option('--out <file>', 'write the CRL here (0644, atomically) instead of stdout')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin), needed when the CRL is re-signed')
    .action(async (o: { refresh?: boolean; out?: string; passphraseFile?: string }) => {
      const c = ctx();
      const { readCrl, crlStale, signCrl } = await import('../../../ca/crl.js');
      const store = c.store();
      let current = await readCrl(store);
      let pem = current?.pem;
      let signed = false;
      if (o.refresh || crlStale(current, c.clock.now())) {
        const { CertificateAuthority } = await import('../../../ca/authority.js');
        const { caPassphrase } = await import('../../passphrase.js');
        const passphrase = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true });
        const ca = await CertificateAuthority.open(store, { passphrase, clock: c.clock });
        passphrase?.fill(0);
        pem = (await signCrl(store, ca.signer, c.clock)).pem;
        current = await readCrl(store);
        signed = true;
      }
      if (o.out) {
        const { writeFileAtomic } = await import('../../../store/file-store.js');
        await writeFileAtomic(o.out, pem!, 0o644);
      }
      const doc = { signed, thisUpdate: current!.thisUpdate.toISOString(), nextUpdate: current!.nextUpdate?.toISOString() ?? null, ...(o.out ? { out: o.out } : { crl: pem }) };
      if (c.json) c.emit(doc, () => '');
      else if (o.out) c.log(`CRL (next update ${doc.nextUpdate}) → ${o.out}`);
      else process.stdout.write(pem!);
    });
}

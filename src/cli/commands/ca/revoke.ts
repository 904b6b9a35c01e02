import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRevoke(area: Command, ctx: () => CliContext): void {
  area
    .command('revoke')
    .description('revoke a certificate by serial, or every certificate of a node (which also gets no new ones), and re-sign the CRL')
    .option('--serial <hex>', 'serial of the certificate (hex, as ca issue prints it)')
    .option('--node-id <id>', 'revoke every live certificate of this node and refuse it new ones')
    .option('--reason <reason>', 'RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn', 'unspecified')
    .option('--force-unknown', 'revoke a serial or node this CA has no issuance record of')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin), to re-sign the CRL')
    .action(async (o: { serial?: string; nodeId?: string; reason: string; forceUnknown?: boolean; passphraseFile?: string }) => {
      const c = ctx();
      const { revokeCertificate } = await import('../../../ca/revoke.js');
      const { signCrl } = await import('../../../ca/crl.js');
      const { CertificateAuthority } = await import('../../../ca/authority.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const store = c.store();
      const passphrase = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true });
      const ca = await CertificateAuthority.open(store, { passphrase, clock: c.clock });
      passphrase?.fill(0);
      const r = await revokeCertificate(
        store,
        { ...(o.serial !== undefined ? { serial: o.serial } : {}), ...(o.nodeId !== undefined ? { nodeId: o.nodeId } : {}), reason: o.reason as never, forceUnknown: o.forceUnknown === true },
        c.clock,
      );
      const crl = await signCrl(store, ca.signer, c.clock);
      c.emit({ ...r, crl: { number: crl.number, entries: crl.entries, nextUpdate: crl.nextUpdate.toISOString() } }, () =>
        [
          ...r.revoked.map((e) => `revoked ${e.serial}${e.nodeId ? ` (node ${e.nodeId})` : ''}: ${e.reason}`),
          ...r.alreadyRevoked.map((s) => `already revoked ${s}`),
          ...(r.nodeBlocked ? [r.nodeAlreadyBlocked ? `node ${r.nodeBlocked} was already refused new certificates` : `node ${r.nodeBlocked} gets no new certificates`] : []),
          `CRL #${crl.number} signed: ${crl.entries} entries, next update ${crl.nextUpdate.toISOString()} (swarmguard ca crl prints it)`,
        ].join('\n'),
      );
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

const STAGES = ['start', 'switch', 'finish', 'abort'] as const;

export function registerRotate(area: Command, ctx: () => CliContext): void {
  area
    .command('rotate')
    .description('rotate the root CA one stage at a time: start (new root, cross-signed by the old), switch (trust root → new), finish (retire the old root), or abort')
    .option('--stage <stage>', `one of ${STAGES.join(', ')} (default: advance one stage from the current one)`)
    .option('--import-cert <file>', 'start: rotate to this root certificate instead of generating a P-256 one')
    .option('--import-key <file>', 'start: the private key of --import-cert')
    .option('--import-key-passphrase-file <file>', 'passphrase of an encrypted --import-key')
    .option('--force', 'switch/finish although live certificates still come from the old root (they stop validating where only the new root is trusted)')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin); needed to start')
    .action(async (o: { stage?: string; importCert?: string; importKey?: string; importKeyPassphraseFile?: string; force?: boolean; passphraseFile?: string }) => {
      const c = ctx();
      const { UsageError } = await import('../../../errors.js');
      if (o.stage !== undefined && !(STAGES as readonly string[]).includes(o.stage)) {
        throw new UsageError('ERR_CLI_USAGE', `--stage must be one of ${STAGES.join(', ')}, not ${JSON.stringify(o.stage)}`);
      }
      if ((o.importCert === undefined) !== (o.importKey === undefined)) throw new UsageError('ERR_CLI_USAGE', '--import-cert and --import-key go together');
      const { readFileArg, readSecret } = await import('../../context.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const { requireCaState } = await import('../../../ca/state.js');
      const { rotateRoot } = await import('../../../ca/rotate.js');
      const { rootsView } = await import('../../../ca/status.js');
      const store = c.store();
      const stage = (await requireCaState(store)).rotation?.stage ?? 'idle';
      const starting = o.stage === 'start' || (o.stage === undefined && stage === 'idle');
      if (o.importCert !== undefined && !starting) throw new UsageError('ERR_CLI_USAGE', `--import-cert only starts a rotation; the CA is in stage ${stage}`);
      const passphrase = starting ? await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true }) : undefined;
      const importRoot =
        o.importCert !== undefined && o.importKey !== undefined
          ? {
              cert: readFileArg(o.importCert, 'the new root certificate'),
              key: readFileArg(o.importKey, 'the new root key'),
              ...(o.importKeyPassphraseFile ? { keyPassphrase: readSecret({ file: o.importKeyPassphraseFile, what: 'the import key passphrase', required: true })! } : {}),
            }
          : undefined;
      const r = await rotateRoot(
        store,
        { step: (o.stage as (typeof STAGES)[number] | undefined) ?? 'next', ...(passphrase ? { passphrase } : {}), ...(importRoot ? { importRoot } : {}), ...(o.force ? { force: true } : {}) },
        c.clock,
      );
      passphrase?.fill(0);
      const s = rootsView(r.state, c.clock.now());
      const DONE: Record<typeof r.step, string> = {
        start: 'started the rotation: a new root is cross-signed by the old one and now signs every certificate; nodes still receive the old root',
        switch: 'switched the trust root to the new root; certificates still carry the cross-signed root for peers that hold only the old one',
        finish: 'finished the rotation: the old root is retired and its key deleted',
        abort: 'aborted the rotation: the old root signs again and the new key is deleted',
      };
      const doc = {
        step: r.step,
        from: r.from,
        stage: r.to,
        done: DONE[r.step],
        next: r.next,
        trustRoot: s.trustRoot,
        trustBundle: s.trustBundle,
        signer: s.signer,
        ...(s.rotation ? { rotation: s.rotation } : {}),
        pending: r.pending,
      };
      c.emit(doc, () =>
        [
          `${r.from} → ${r.to}: ${DONE[r.step]}`,
          `  trust root: ${s.trustRoot.certs.map((x) => `${x.subject} sha256 ${x.fingerprint.slice(0, 16)}… expires ${x.notAfter}`).join('; ')}`,
          `  trust-root digest ${s.trustRoot.digest}`,
          `  signer: ${s.signer.subject} (ski ${s.signer.ski.slice(0, 16)}…)${s.signer.chain.length ? `, chain: ${s.signer.chain.length} cert(s)` : ''}`,
          ...(r.pending.length ? [`  ${r.pending.length} live certificate(s) still from the old root: ${r.pending.slice(0, 10).map((p) => p.nodeId ?? p.subject ?? p.serial).join(', ')}`] : []),
          `next: ${r.next}`,
        ].join('\n'),
      );
    });
}

import type { Command } from 'commander';
import type { ServeFlags } from '../../../ca/cfssl/flags.js';
import type { CliContext } from '../../context.js';

interface ServeOptions extends ServeFlags {
  expiry?: string;
  verifyThreads?: string;
  issueThreads?: string;
  passphraseFile?: string;
}

export function registerServe(area: Command, ctx: () => CliContext): void {
  area
    .command('serve')
    .description('serve the cfssl sign API (POST /api/v1/cfssl/sign) over mutual TLS: the --external-ca of a Docker swarm')
    .option('--listen <addr>', 'address and port to listen on (port 0 picks a free one)', '127.0.0.1:8888')
    .option('--cert <file>', 'server certificate chain (PEM); default: issue one from this CA for --host, kept in memory')
    .option('--key <file>', 'private key of --cert (PEM, unencrypted)')
    .option('--host <name...>', 'DNS names / IPs of the self-issued server certificate (default 127.0.0.1)')
    .option('--client-ca <file>', "trust roots for client certificates (PEM bundle): the swarm's root(s), and this CA's root during/after a rotation onto it")
    .option('--insecure-no-client-auth', 'accept clients without a certificate (anyone who can connect gets certificates signed)')
    .option('--require-manager', 'accept only client certificates with OU=swarm-manager (and O=--cluster-id when given)')
    .option('--cluster-id <id>', 'sign only for this cluster ID (subject O); other clusters are refused')
    .option('--allow-cross-sign', 'honour profile "CA" (cross-sign a new swarm root under this CA); off by default: it mints CA certificates')
    .option('--expiry <duration>', 'lifetime of node certificates (default 2160h)')
    .option('--verify-threads <n>', 'worker threads that verify CSRs (0 = main thread; default: one per extra core, at most 4)')
    .option('--issue-threads <n>', 'worker threads that verify CSRs and sign, holding the CA key (0 = off; replaces --verify-threads when > 0)')
    .option('--insecure-http', 'plain HTTP, no TLS, loopback only (benchmarks); swarm managers refuse http:// external CAs')
    .option('--passphrase-file <file>', 'file holding the CA passphrase (- for stdin)')
    .action(async (o: ServeOptions) => {
      const c = ctx();
      const { UsageError } = await import('../../../errors.js');
      const { parseListen, checkServeFlags } = await import('../../../ca/cfssl/flags.js');
      checkServeFlags(o, (msg) => new UsageError('ERR_CLI_USAGE', msg));
      for (const [flag, v] of [['--verify-threads', o.verifyThreads], ['--issue-threads', o.issueThreads]] as const) {
        if (v !== undefined && !/^([0-9]|[1-5][0-9]|6[0-4])$/.test(v)) throw new UsageError('ERR_CLI_USAGE', `${flag} must be a whole number from 0 to 64, not ${JSON.stringify(v)}`);
      }
      const listen = parseListen(o.listen);
      const { parseDuration } = await import('../../../core/duration.js');
      const { defaults } = await import('../../../defaults.js');
      const expiryMs = o.expiry !== undefined ? parseDuration(o.expiry, '--expiry') : undefined;
      if (expiryMs !== undefined && expiryMs < defaults.ca.minCertExpiryMs) {
        throw new UsageError('ERR_CLI_USAGE', `--expiry ${o.expiry} is below SwarmKit's minimum of 1h; give 1h or more`);
      }
      const { readFileArg } = await import('../../context.js');
      const { caPassphrase } = await import('../../passphrase.js');
      const { CertificateAuthority } = await import('../../../ca/authority.js');
      const { openRevocations } = await import('../../../ca/revocation-list.js');
      const { serveCfssl } = await import('../../../ca/cfssl/serve.js');

      const passphrase = await caPassphrase({ ...(o.passphraseFile !== undefined ? { passphraseFile: o.passphraseFile } : {}), required: true });
      const store = c.store();
      let revocations = await openRevocations(store);
      // The passphrase stays in memory: SIGHUP reloads the CA state and key (after `ca rotate` by another process).
      const ca = await CertificateAuthority.open(store, { passphrase, clock: c.clock, isNodeBlocked: (id) => revocations.isNodeRevoked(id) });
      const running = await serveCfssl(ca, {
        host: listen.host,
        port: listen.port,
        clock: c.clock,
        log: (m) => c.log(`ca serve: ${m}`),
        ...(o.insecureHttp ? { insecureHttp: true } : {}),
        ...(o.cert !== undefined && o.key !== undefined ? { certPem: readFileArg(o.cert, 'the server certificate').toString('utf8'), keyPem: readFileArg(o.key, 'the server key').toString('utf8') } : {}),
        ...(o.host ? { hosts: o.host } : {}),
        ...(o.clientCa !== undefined ? { clientCa: readFileArg(o.clientCa, 'the client CA bundle') } : {}),
        ...(o.requireManager ? { requireManager: true } : {}),
        ...(o.clusterId !== undefined ? { clusterId: o.clusterId } : {}),
        ...(o.allowCrossSign ? { allowCrossSign: true } : {}),
        ...(expiryMs !== undefined ? { expiryMs } : {}),
        ...(o.verifyThreads !== undefined ? { verifyThreads: Number(o.verifyThreads) } : {}),
        ...(o.issueThreads !== undefined ? { issueThreads: Number(o.issueThreads) } : {}),
        reload: async () => {
          revocations = await openRevocations(store);
          await ca.reload();
        },
      });
      c.log(`listening on ${running.server.signUrl} (${running.description})`);
      c.emit({ url: running.server.url, signUrl: running.server.signUrl, clientAuth: running.clientAuth, tlsServerCert: running.tlsServerCert }, () => '');
      // Run until SIGTERM/SIGINT; SIGHUP re-reads the CA state (after `ca rotate`) and revocations.
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const onHup = (): void => {
          running.reload().then(
            () => c.log('SIGHUP: reloaded the CA state and revocations'),
            (e: unknown) => c.log(`SIGHUP: reload failed, still serving the previous state: ${(e as Error).message}`),
          );
        };
        const onStop = (s: NodeJS.Signals): void => {
          process.off('SIGTERM', onStop);
          process.off('SIGINT', onStop);
          process.off('SIGHUP', onHup);
          resolve(s);
        };
        process.on('SIGTERM', onStop);
        process.on('SIGINT', onStop);
        process.on('SIGHUP', onHup);
      });
      c.log(`${signal}: stopping; ${running.summary()}`);
      await running.stop();
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

interface VerifyFlags {
  ca: string;
  untrusted?: string;
  at?: string;
  purpose?: string;
  host?: string;
  crl: string[];
  revocation?: string;
}

/** The verb's options, as data. */
const OPTIONS: Array<{ flags: string; description: string; required?: boolean }> = [
  { flags: '--ca <file>', description: 'trusted root certificates (PEM bundle or DER)', required: true },
  { flags: '--untrusted <file>', description: 'extra intermediate certificates that may complete the chain' },
  { flags: '--at <time>', description: 'verify at this time (ISO 8601 or epoch seconds) instead of now' },
  { flags: '--purpose <purpose>', description: 'server, client or any (default any): the extended key usage the leaf needs' },
  { flags: '--host <name>', description: 'DNS name or IP address the leaf must be valid for (SAN only)' },
];

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const PURPOSES = ['server', 'client', 'any'] as const;
const MODES = ['off', 'soft', 'hard'] as const;

/**
 * `swarmguard cert verify --ca ROOTS CERT`: exit 0 when the chain is valid,
 * 1 when it is not (with the code and reason), 2 when an input cannot be read.
 */
export function registerVerify(area: Command, ctx: () => CliContext): void {
  const cmd = area
    .command('verify')
    .description('verify CERT (leaf first; any further certificates are untrusted intermediates) against the roots in --ca')
    .argument('<cert>', 'certificate or chain file (- for stdin)');
  for (const o of OPTIONS) {
    if (o.required) cmd.requiredOption(o.flags, o.description);
    else cmd.option(o.flags, o.description);
  }
  cmd.option('--crl <file>', 'CRLs to check every certificate of the chain against (PEM with any number of X509 CRL blocks, or one DER CRL); repeatable', collect, []);
  cmd.option('--revocation <mode>', 'hard (default with --crl): a certificate no usable CRL covers fails the chain; soft: it passes as unknown; off: ignore --crl');
  cmd.action(async (certFile: string, o: VerifyFlags) => {
    const c = ctx();
    const { clockAt, readFileArg } = await import('../../context.js');
    const { UsageError } = await import('../../../errors.js');
    const { parseCertificates } = await import('../../../core/x509/parse.js');
    const { parseHost } = await import('../../../core/x509/constraints.js');
    const { verifyChain, parseCrls } = await import('../../../core/x509/verify.js');

    const purpose = (o.purpose ?? 'any') as (typeof PURPOSES)[number];
    if (!PURPOSES.includes(purpose)) throw new UsageError('ERR_CLI_USAGE', `--purpose must be server, client or any, not ${JSON.stringify(o.purpose)}`);
    if (o.host !== undefined && !parseHost(o.host)) throw new UsageError('ERR_CLI_USAGE', `--host ${JSON.stringify(o.host)} is neither a DNS name nor an IP address`);
    const mode = (o.revocation ?? (o.crl.length > 0 ? 'hard' : 'off')) as (typeof MODES)[number];
    if (!MODES.includes(mode)) throw new UsageError('ERR_CLI_USAGE', `--revocation must be hard, soft or off, not ${JSON.stringify(o.revocation)}`);
    if (mode !== 'off' && o.crl.length === 0) throw new UsageError('ERR_CLI_USAGE', `--revocation ${mode} needs at least one --crl file`);
    const stdinUsers = [certFile, o.ca, o.untrusted, ...o.crl].filter((f) => f === '-').length;
    if (stdinUsers > 1) throw new UsageError('ERR_CLI_USAGE', 'only one input can come from stdin');
    const at = (o.at !== undefined ? clockAt(o.at) : c.clock).now();

    const roots = parseCertificates(readFileArg(o.ca, 'the trusted roots (--ca)'), o.ca);
    const [leaf, ...rest] = parseCertificates(readFileArg(certFile, 'the certificate'), certFile);
    const untrusted = o.untrusted !== undefined ? parseCertificates(readFileArg(o.untrusted, 'the intermediates (--untrusted)'), o.untrusted) : [];
    const crls = mode === 'off' ? [] : o.crl.flatMap((f) => parseCrls(readFileArg(f, 'the CRL file (--crl)'), f));
    const r = verifyChain({
      leaf: leaf!,
      intermediates: [...rest, ...untrusted],
      roots,
      at,
      purpose,
      ...(o.host !== undefined ? { host: o.host } : {}),
      ...(mode !== 'off' ? { crls, revocation: mode } : {}),
    });

    const context = { at: at.toISOString(), purpose, ...(o.host !== undefined ? { host: o.host } : {}), revocationMode: mode };
    const statusLine = (s: { subject: string; serial: string; status: string; revokedAt?: string; reason?: string; detail?: string }): string =>
      `  revocation ${s.subject || '(empty subject)'} [serial ${s.serial}]: ${s.status}${s.revokedAt ? ` since ${s.revokedAt} (${s.reason ?? 'no reason given'})` : ''}${s.detail ? `: ${s.detail}` : ''}`;
    if (r.ok) {
      const chain = r.chain.map((x) => ({ subject: x.subject.text, issuer: x.issuer.text, serial: x.serialHex, notAfter: x.notAfter.toISOString(), fingerprintSha256: x.fingerprint256 }));
      c.emit({ valid: true, ...context, chain, revocation: r.revocation }, () =>
        [
          `OK: ${chain[0]!.subject || '(empty subject)'} chains to a trusted root (${chain.length} certificates)`,
          ...chain.map((x, i) => `  ${i}: ${x.subject || '(empty subject)'}  [serial ${x.serial}]`),
          ...(mode === 'off' ? [] : r.revocation.map(statusLine)),
        ].join('\n'),
      );
      return;
    }
    c.setExitCode(1);
    c.emit({ valid: false, code: r.code, reason: r.reason, ...context, chainAttempts: r.chainAttempts, ...(r.revocation ? { revocation: r.revocation } : {}) }, () =>
      [
        `INVALID: ${r.code}: ${r.reason}`,
        ...r.chainAttempts.slice(0, 8).map((a) => `  tried ${a.chain.join(' <- ')}: ${a.code}`),
        ...(r.revocation ?? []).map(statusLine),
      ].join('\n'),
    );
  });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

/** `swarmguard cert inspect FILE`: describe every certificate in a PEM bundle or DER file. */
export function registerInspect(area: Command, ctx: () => CliContext): void {
  area
    .command('inspect')
    .description('describe the certificates in FILE (PEM bundle or DER; - for stdin)')
    .argument('<file>', 'certificate file')
    .action(async (file: string) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { parseCertificates } = await import('../../../core/x509/parse.js');
      const { describeCertificate } = await import('../../../core/x509/inspect.js');
      const certs = parseCertificates(readFileArg(file, 'the certificate file'), file);
      const described = certs.map(describeCertificate);
      c.emit({ certificates: described }, () => described.map((d, i) => humanDescription(d, i, described.length)).join('\n'));
    });
}

type Description = import('../../../core/x509/inspect.js').CertificateDescription;

function humanDescription(d: Description, i: number, n: number): string {
  const key = [d.publicKey.algorithm.toUpperCase(), d.publicKey.curve, d.publicKey.bits !== undefined ? `${d.publicKey.bits} bits` : undefined].filter(Boolean).join(' ');
  const bc = d.basicConstraints ? `CA:${d.basicConstraints.ca ? 'TRUE' : 'FALSE'}${d.basicConstraints.pathLen !== null ? `, pathlen:${d.basicConstraints.pathLen}` : ''}` : '(none)';
  const lines = [
    ...(n > 1 ? [`certificate ${i + 1} of ${n}`] : []),
    `  subject:        ${d.subject || '(empty)'}`,
    `  issuer:         ${d.issuer || '(empty)'}`,
    `  serial:         ${d.serial}`,
    `  validity:       ${d.notBefore} to ${d.notAfter}`,
    `  key:            ${key}`,
    `  signature:      ${d.signatureAlgorithm}`,
    `  SANs:           ${d.subjectAltNames.join(', ') || '(none)'}`,
    `  key usage:      ${d.keyUsage?.join(', ') ?? '(none)'}`,
    `  ext key usage:  ${d.extendedKeyUsage?.join(', ') ?? '(none)'}`,
    `  basic constr.:  ${bc}`,
    `  SKI / AKI:      ${d.subjectKeyId ?? '-'} / ${d.authorityKeyId ?? '-'}`,
    `  self-signed:    ${d.selfSigned ? 'yes' : 'no'}${d.selfIssued && !d.selfSigned ? ' (subject = issuer, but signed by another key)' : ''}`,
    `  sha256:         ${d.fingerprintSha256}`,
    ...d.warnings.map((w) => `  warning:        ${w}`),
  ];
  return lines.join('\n');
}

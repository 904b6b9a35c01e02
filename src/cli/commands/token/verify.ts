import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerVerify(area: Command, ctx: () => CliContext): void {
  area
    .command('verify')
    .description('check a join token\'s format and that it names this root: exit 0 match, 1 other root, 2 malformed')
    .argument('[token]', 'the token, or - for stdin (default: stdin when piped); prefer stdin or --token-file, argv is visible to other users')
    .requiredOption('--ca <file>', 'the root bundle PEM to check against (swarm-root-ca.crt or GET /swarm TLSInfo.TrustRoot)')
    .option('--token-file <file>', 'read the token from this file (- for stdin)')
    .action(async (arg: string | undefined, o: { ca: string; tokenFile?: string }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { readToken } = await import('./input.js');
      const { loadRootBundle } = await import('../../../tokens/root-bundle.js');
      const { verifyJoinToken } = await import('../../../tokens/verify.js');
      const token = readToken(arg, o.tokenFile);
      const root = loadRootBundle(readFileArg(o.ca, 'the root bundle'), o.ca);
      const v = verifyJoinToken(token, root);
      if (!v.match) c.setExitCode(1);
      c.emit(v, () => {
        if (v.match) return `ok: token ${v.fingerprint} (v${v.version}${v.fips ? ', FIPS' : ''}) names root ${v.givenRootDigest}`;
        const lines = [`MISMATCH: token ${v.fingerprint} expects root ${v.expectedRootDigest}`, `  ${o.ca} is ${v.givenRootDigest}`];
        if (v.matchesCanonicalLayout) lines.push(`  the file is an edited copy of the expected root (${v.layoutNote ?? 'layout differs'}); use the swarm's own swarm-root-ca.crt`);
        else lines.push('  the token is for another swarm, or the swarm\'s root was rotated since the token was issued');
        return lines.join('\n');
      });
    });
}

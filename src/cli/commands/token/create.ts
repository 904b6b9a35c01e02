import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerCreate(area: Command, ctx: () => CliContext): void {
  area
    .command('create')
    .description('make a join token in SwarmKit\'s format for a root bundle (printed on stdout, nowhere else)')
    .requiredOption('--ca <file>', 'the swarm\'s root bundle PEM (swarm-root-ca.crt), exactly as the swarm has it')
    .requiredOption('--role <role>', 'worker or manager (the format is the same; recorded in --json output)')
    .option('--fips', 'the v2 form SWMTKN-2-1- for FIPS clusters')
    .action(async (o: { ca: string; role: string; fips?: boolean }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { parseRole } = await import('./input.js');
      const { loadRootBundle } = await import('../../../tokens/root-bundle.js');
      const { createJoinToken, tokenFingerprint } = await import('../../../tokens/join-token.js');
      const role = parseRole(o.role);
      const root = loadRootBundle(readFileArg(o.ca, 'the root bundle'), o.ca);
      const token = createJoinToken(root.pem, { fips: o.fips === true });
      if (root.layoutNote) c.log(`note: ${o.ca}: ${root.layoutNote}; the token's digest covers these exact bytes`);
      c.emit({ token, role, fingerprint: tokenFingerprint(token), rootDigest: `sha256:${root.digestHex}` }, () => token);
    });
}

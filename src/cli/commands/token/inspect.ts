import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerInspect(area: Command, ctx: () => CliContext): void {
  area
    .command('inspect')
    .description('show a join token\'s parts (secret redacted), the root it expects and, with --engine, whether it is that swarm\'s current token')
    .argument('[token]', 'the token, or - for stdin (default: stdin when piped)')
    .option('--token-file <file>', 'read the token from this file (- for stdin)')
    .option('--ca <file>', 'also compare with this root bundle')
    .option('--engine <url>', 'a manager\'s Engine API (unix:///var/run/docker.sock): is this the current worker or manager token?')
    .action(async (arg: string | undefined, o: { tokenFile?: string; ca?: string; engine?: string }) => {
      const c = ctx();
      const { readFileArg } = await import('../../context.js');
      const { readToken, humanAge } = await import('./input.js');
      const { loadRootBundle } = await import('../../../tokens/root-bundle.js');
      const { inspectJoinToken } = await import('../../../tokens/inspect.js');
      const { parseJoinToken } = await import('../../../tokens/join-token.js');
      const token = readToken(arg, o.tokenFile);
      parseJoinToken(token); // malformed input fails before any IO
      const root = o.ca ? loadRootBundle(readFileArg(o.ca, 'the root bundle'), o.ca) : undefined;
      let swarm;
      let ages;
      if (o.engine) {
        const { EngineClient } = await import('../../../engine/client.js');
        const { readSwarm } = await import('../../../tokens/swarm.js');
        const { tokenAges } = await import('../../../tokens/seen.js');
        const { defaults } = await import('../../../defaults.js');
        const engine = new EngineClient({ url: o.engine, timeoutMs: defaults.tokens.engine.timeoutMs });
        try {
          swarm = await readSwarm(engine);
        } finally {
          engine.close();
        }
        ages = await tokenAges(c.store(), swarm.joinTokens, c.clock.now());
      }
      const r = inspectJoinToken(token, { ...(root ? { root } : {}), ...(swarm ? { swarm } : {}), ...(ages ? { ages } : {}) });
      if (r.swarm && r.swarm.currentRole === null) c.setExitCode(1);
      c.emit(r, () => {
        const lines = [
          `token ${r.fingerprint}: SWMTKN v${r.version}${r.fips ? ' (FIPS)' : ''}`,
          `  digest part   ${r.digestPart}`,
          `  expects root  ${r.expectedRootDigest}`,
          `  secret        ${r.secret.value} (${r.secret.chars} chars, ${r.secret.bits} bits)`,
        ];
        if (r.root) lines.push(`  --ca          ${r.root.given} ${r.root.match ? 'MATCH' : 'MISMATCH'}`);
        if (r.swarm) {
          lines.push(`  swarm ${r.swarm.clusterId}: ${r.swarm.currentRole ? `current ${r.swarm.currentRole} token` : 'NOT a current token (rotated, or another swarm)'}; trust root ${r.swarm.rootMatch ? 'matches' : 'differs'}`);
          if (r.swarm.age) lines.push(`  first seen    ${r.swarm.age.firstSeen} (${humanAge(r.swarm.age.ageMs)} ago)`);
        }
        return lines.join('\n');
      });
    });
}

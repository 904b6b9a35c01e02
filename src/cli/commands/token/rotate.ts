import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRotate(area: Command, ctx: () => CliContext): void {
  area
    .command('rotate')
    .description('rotate the worker or manager join token through the Engine API and report token ages (first time seen)')
    .requiredOption('--engine <url>', 'a manager\'s Engine API, e.g. unix:///var/run/docker.sock')
    .requiredOption('--role <role>', 'worker or manager')
    .action(async (o: { engine: string; role: string }) => {
      const c = ctx();
      const { parseRole, humanAge } = await import('./input.js');
      const { EngineClient } = await import('../../../engine/client.js');
      const { rotateJoinToken } = await import('../../../tokens/rotate.js');
      const { defaults } = await import('../../../defaults.js');
      const role = parseRole(o.role);
      const engine = new EngineClient({ url: o.engine, timeoutMs: defaults.tokens.engine.timeoutMs });
      let r;
      try {
        r = await rotateJoinToken(engine, c.store(), role, c.clock);
      } finally {
        engine.close();
      }
      const res = r;
      c.emit(res, () =>
        [
          `rotated the ${res.role} token of swarm ${res.clusterId}: ${res.previous} → ${res.current}`,
          ...(res.previousAge ? [`  the old token was first seen ${res.previousAge.firstSeen}${res.previousAge.knownBefore ? ` (in use at least ${humanAge(res.previousAge.ageMs)})` : ' (first seen just now)'}`] : []),
          ...(['worker', 'manager'] as const).map((k) => `  ${k.padEnd(8)} ${res.ages[k].fingerprint}  first seen ${res.ages[k].firstSeen}  age ${humanAge(res.ages[k].ageMs)}`),
          `  get the new token with: docker swarm join-token -q ${res.role}`,
        ].join('\n'),
      );
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerRotate(area: Command, ctx: () => CliContext): void {
  area
    .command('rotate')
    .description('rotate the swarm\'s unlock key through the Engine API; the new key is printed on stdout only — store it offline at once')
    .requiredOption('--engine <url>', 'a manager\'s Engine API, e.g. unix:///var/run/docker.sock')
    .action(async (o: { engine: string }) => {
      const c = ctx();
      const { EngineClient } = await import('../../../engine/client.js');
      const { rotateUnlockKey } = await import('../../../tokens/unlock-rotate.js');
      const { defaults } = await import('../../../defaults.js');
      const engine = new EngineClient({ url: o.engine, timeoutMs: defaults.tokens.engine.timeoutMs });
      let r;
      try {
        r = await rotateUnlockKey(engine);
      } finally {
        engine.close();
      }
      c.log(`rotated the unlock key of swarm ${r.clusterId}: ${r.previousFingerprint} → ${r.fingerprint}; keep the old key until every manager has restarted with the new one`);
      c.emit(r, () => r.unlockKey);
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function registerBroker(area: Command, ctx: () => CliContext): void {
  area
    .command('broker')
    .description('serve POST /v1/join-token on 127.0.0.1: exchange a valid scoped token for the real join token, count uses, rotate the real token once a scoped token is spent')
    .requiredOption('--engine <url>', 'a manager\'s Engine API, e.g. unix:///var/run/docker.sock')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:0, a free port)', '127.0.0.1:0')
    .option('--rotate-grace <duration>', 'wait this long after a spent token\'s last hand-out before rotating (default 2m)')
    .action(async (o: { engine: string; listen: string; rotateGrace?: string }) => {
      const c = ctx();
      const { EngineClient } = await import('../../../engine/client.js');
      const { parseDuration } = await import('../../../core/duration.js');
      const { loadOrCreateIssuer } = await import('../../../tokens/scoped/token.js');
      const { TokenBroker } = await import('../../../tokens/scoped/broker.js');
      const { TokenUsageError } = await import('../../../tokens/errors.js');
      const { defaults } = await import('../../../defaults.js');
      const m = /^(.+):(\d{1,5})$/.exec(o.listen);
      if (!m) throw new TokenUsageError('ERR_TOKEN_SCOPED_OPTIONS', `--listen must be host:port, not ${JSON.stringify(o.listen)}`);
      const host = m[1]!.replace(/^\[|\]$/g, '');
      if (!/^(127\.|::1$|localhost$)/.test(host)) c.log(`warning: listening on ${host}, not loopback: put TLS in front of the broker, the real token travels in the response`);
      const store = c.store();
      const issuer = await loadOrCreateIssuer(store, c.clock.now());
      const engine = new EngineClient({ url: o.engine, timeoutMs: defaults.tokens.engine.timeoutMs });
      const broker = new TokenBroker({
        engine,
        store,
        publicKey: issuer.publicKey,
        clock: c.clock,
        ...(o.rotateGrace ? { rotateGraceMs: parseDuration(o.rotateGrace, '--rotate-grace') } : {}),
        log: (l) => c.log(`broker: ${l}`),
      });
      const addr = await broker.listen(Number(m[2]), host);
      const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}${defaults.tokens.broker.path}`;
      c.log(`broker: listening on ${url}`);
      if (c.json) c.emit({ url }, () => '');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      c.log('broker: stopping (pending rotations run now)');
      await broker.close();
      engine.close();
    });
}

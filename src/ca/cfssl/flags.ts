/**
 * Checks of `ca serve` settings that need no IO: the listen address and the
 * combinations of TLS and client-authentication choices.
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (127.0.0.1). Port 0 picks a free one. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError('ERR_CFSSL_LISTEN', `--listen ${JSON.stringify(text)} is not HOST:PORT (for example 127.0.0.1:8888, [::1]:8888, 127.0.0.1:0)`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  if (m[1] !== undefined && isIP(host) !== 6) throw new InputError('ERR_CFSSL_LISTEN', `--listen ${JSON.stringify(text)}: ${host} is not an IPv6 address`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export interface ServeFlags {
  listen: string;
  cert?: string;
  key?: string;
  host?: string[];
  clientCa?: string;
  insecureNoClientAuth?: boolean;
  insecureHttp?: boolean;
  requireManager?: boolean;
  clusterId?: string;
  allowCrossSign?: boolean;
}

/** Every conflicting or missing flag at once. `usage` builds the error the CLI throws. */
export function checkServeFlags(o: ServeFlags, usage: (msg: string) => Error): void {
  const problems: string[] = [];
  if ((o.cert === undefined) !== (o.key === undefined)) problems.push('--cert and --key go together');
  if (o.insecureHttp) {
    for (const [flag, set] of [
      ['--cert', o.cert !== undefined],
      ['--host', o.host !== undefined],
      ['--client-ca', o.clientCa !== undefined],
      ['--require-manager', o.requireManager === true],
      ['--allow-cross-sign', o.allowCrossSign === true],
    ] as const) {
      if (set) problems.push(`${flag} needs TLS; it cannot go with --insecure-http`);
    }
    let host: string | undefined;
    try {
      host = parseListen(o.listen).host;
    } catch {
      // reported by parseListen in the caller
    }
    if (host !== undefined && !isLoopback(host)) problems.push(`--insecure-http serves only on loopback; --listen ${o.listen} is not`);
  } else {
    if (o.clientCa === undefined && !o.insecureNoClientAuth) {
      problems.push('give --client-ca FILE (the roots that issued the swarm managers\' certificates), or --insecure-no-client-auth to let anyone who can connect get certificates');
    }
    if (o.clientCa !== undefined && o.insecureNoClientAuth) problems.push('--client-ca and --insecure-no-client-auth contradict each other');
    if (o.requireManager && o.clientCa === undefined) problems.push('--require-manager checks client certificates; give --client-ca');
    if (o.allowCrossSign && o.clientCa === undefined) problems.push('--allow-cross-sign mints CA certificates; it needs client authentication (--client-ca)');
    if (o.cert !== undefined && o.host !== undefined) problems.push('--host names the self-issued certificate; it cannot go with --cert');
  }
  if (problems.length) throw usage(problems.join('; '));
}

/**
 * Flags shared by `trust verify` and `trust inspect`, as data, and their
 * resolution into a metadata source, a root pin, a store and a clock. The
 * library is imported lazily inside `resolveTrustFlags`.
 */
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';

export interface TrustFlags {
  offline?: string;
  server?: string;
  gun?: string;
  tag?: string;
  at?: string;
  rootKeyId?: string[];
  rootCa?: string;
  tofu?: boolean;
  cache?: boolean;
  ca?: string;
  clientCert?: string;
  clientKey?: string;
  timeout?: string;
  authFile?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export const TRUST_OPTIONS: Array<{ flags: string; description: string; parse?: (v: string, prev: string[]) => string[] }> = [
  { flags: '--offline <dir>', description: 'read metadata files from DIR (root.json, N.root.json, timestamp.json, snapshot.json, targets.json, targets/<role>.json) instead of a server' },
  { flags: '--server <url>', description: 'notary server URL (default: https://notary.docker.io for Docker Hub, else https://<registry>)' },
  { flags: '--gun <gun>', description: 'globally unique name of the repository (default: from IMAGE, e.g. docker.io/library/alpine)' },
  { flags: '--root-key-id <id>', description: 'pin the root: a root key ID (as in root.json, or the canonical ID `notary key list` prints); repeatable', parse: collect },
  { flags: '--root-ca <file>', description: 'pin the root: its certificate must chain to a CA in FILE (PEM)' },
  { flags: '--tofu', description: 'trust the served root on first use when nothing is pinned or cached, and record it' },
  { flags: '--no-cache', description: 'neither read nor write the trust cache in the state directory' },
  { flags: '--at <time>', description: 'verify at this time (ISO 8601 or epoch seconds) instead of now' },
  { flags: '--ca <file>', description: 'CA certificates (PEM) for the server’s TLS certificate' },
  { flags: '--client-cert <file>', description: 'client certificate (PEM) for servers that require mutual TLS' },
  { flags: '--client-key <file>', description: 'key of --client-cert (PEM, unencrypted)' },
  { flags: '--timeout <ms>', description: 'total time allowed per request, in milliseconds' },
  { flags: '--auth-file <file>', description: 'USER:PASSWORD for the server’s token service (token auth); default $SWARMGUARD_NOTARY_AUTH' },
];

export function addTrustOptions(cmd: Command): Command {
  for (const o of TRUST_OPTIONS) {
    if (o.parse) cmd.option(o.flags, o.description, o.parse);
    else cmd.option(o.flags, o.description);
  }
  return cmd;
}

export async function resolveTrustFlags(image: string | undefined, o: TrustFlags, c: CliContext, needTag: boolean) {
  const { clockAt, readFileArg } = await import('../../context.js');
  const { TrustUsageError } = await import('../../../trust/errors.js');
  const { parseImageRef, defaultNotaryServer } = await import('../../../trust/image-ref.js');
  const { defaults } = await import('../../../defaults.js');
  type RootPin = import('../../../trust/notary/root.js').RootPin;

  const ref = image !== undefined ? parseImageRef(image) : undefined;
  const gun = o.gun ?? ref?.gun;
  if (gun === undefined) throw new TrustUsageError('ERR_TRUST_USAGE', 'name the repository: give IMAGE[:TAG] or --gun GUN');
  if (!/^[\x21-\x7e]{1,255}$/.test(gun)) throw new TrustUsageError('ERR_TRUST_USAGE', `--gun ${JSON.stringify(gun)} is not a repository name`);
  if (o.tag !== undefined && ref?.tagGiven && o.tag !== ref.tag) {
    throw new TrustUsageError('ERR_TRUST_USAGE', `IMAGE names tag ${ref.tag} and --tag names ${o.tag}; give one`);
  }
  const tag = o.tag ?? ref?.tag ?? defaults.trust.notary.defaultTag;
  if (needTag && tag.length === 0) throw new TrustUsageError('ERR_TRUST_USAGE', '--tag must not be empty');

  const pins = [o.rootKeyId?.length ? 'root-key-id' : '', o.rootCa ? 'root-ca' : '', o.tofu ? 'tofu' : ''].filter(Boolean);
  if (pins.length > 1) throw new TrustUsageError('ERR_TRUST_USAGE', `give one of --root-key-id, --root-ca and --tofu, not ${pins.join(' and ')}`);
  let pin: RootPin | undefined;
  if (o.rootKeyId?.length) {
    for (const id of o.rootKeyId) if (!/^[0-9a-f]{64}$/.test(id)) throw new TrustUsageError('ERR_TRUST_USAGE', `--root-key-id ${JSON.stringify(id)} is not a key ID (64 lower-case hex digits)`);
    pin = { kind: 'key-ids', keyIds: o.rootKeyId };
  } else if (o.rootCa !== undefined) {
    const { parseCertificates } = await import('../../../core/x509/parse.js');
    const cas = parseCertificates(readFileArg(o.rootCa, 'the pinned root CA (--root-ca)'), o.rootCa);
    if (cas.length === 0) throw new TrustUsageError('ERR_TRUST_USAGE', `${o.rootCa} holds no certificate`);
    pin = { kind: 'ca', cas };
  } else if (o.tofu) pin = { kind: 'tofu' };

  const clock = o.at !== undefined ? clockAt(o.at) : c.clock;
  const store = o.cache === false ? undefined : c.store();

  let source: import('../../../trust/notary/update.js').MetadataSource;
  let close = (): void => undefined;
  if (o.offline !== undefined) {
    for (const f of ['server', 'ca', 'clientCert', 'clientKey', 'authFile'] as const) {
      if (o[f] !== undefined) throw new TrustUsageError('ERR_TRUST_USAGE', `--offline reads files; --${f.replace(/[A-Z]/g, (x) => '-' + x.toLowerCase())} makes no sense with it`);
    }
    const { DirectorySource } = await import('../../../trust/notary/source-dir.js');
    const dir = new DirectorySource(o.offline);
    await dir.check();
    source = dir;
  } else {
    const server = o.server ?? (ref ? defaultNotaryServer(ref) : undefined);
    if (server === undefined) throw new TrustUsageError('ERR_TRUST_USAGE', 'give --server URL (or --offline DIR); with only --gun the server cannot be guessed');
    if ((o.clientCert === undefined) !== (o.clientKey === undefined)) throw new TrustUsageError('ERR_TRUST_USAGE', '--client-cert and --client-key go together');
    let timeoutMs: number | undefined;
    if (o.timeout !== undefined) {
      timeoutMs = Number(o.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new TrustUsageError('ERR_TRUST_USAGE', `--timeout must be a positive number of milliseconds, not ${JSON.stringify(o.timeout)}`);
    }
    const { createFetcher } = await import('../../../trust/fetcher.js');
    const { NotaryServerSource } = await import('../../../trust/notary/source-http.js');
    const credentials = await readCredentials(o.authFile, defaults.trust.auth.notaryEnvVar, 'the notary token credentials (--auth-file)');
    const fetcher = createFetcher({
      ...(credentials ? { credentials } : {}),
      ...(o.ca !== undefined ? { ca: readFileArg(o.ca, 'the server CA (--ca)') } : {}),
      ...(o.clientCert !== undefined ? { cert: readFileArg(o.clientCert, 'the client certificate'), key: readFileArg(o.clientKey!, 'the client key') } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    source = new NotaryServerSource(server, gun, fetcher);
    close = () => fetcher.close();
  }
  return { gun, tag, pin, clock, store, source, close, ref };
}

/**
 * Token-service credentials `USER:PASSWORD`: from FILE (or - for stdin), else
 * from the environment variable, else none. Never from argv.
 */
export async function readCredentials(file: string | undefined, envVar: string, what: string) {
  const { readFileArg } = await import('../../context.js');
  const { parseCredentials } = await import('../../../trust/token-auth.js');
  const { TrustUsageError } = await import('../../../trust/errors.js');
  const { defaults } = await import('../../../defaults.js');
  let text: string | undefined;
  let where = envVar;
  if (file !== undefined) {
    const raw = readFileArg(file, what);
    if (raw.length > defaults.trust.auth.maxCredentialsBytes) throw new TrustUsageError('ERR_TRUST_INPUT', `${file}: ${what} is larger than ${defaults.trust.auth.maxCredentialsBytes} bytes`);
    text = raw.toString('utf8');
    raw.fill(0);
    where = file;
  } else if (process.env[envVar] !== undefined && process.env[envVar] !== '') text = process.env[envVar];
  return text === undefined ? undefined : parseCredentials(text, where);
}

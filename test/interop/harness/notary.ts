/**
 * Notary v1 for real-component tests (Debian `notary` 0.7): a throwaway TLS
 * CA (openssl), `notary-signer` (gRPC, mutual TLS, memory storage),
 * `notary-server` (memory storage; `local` ed25519 signer or the remote
 * signer with ECDSA keys), and the `notary` client with a private trust dir
 * and passphrases from the environment. Configs as in spec §1.
 *
 * Everything listens on 127.0.0.1 at a free port and is stopped by an
 * `after()` hook. Importing this module has no side effects.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { binaryCheck, findBinary, type ToolCheck } from './interop.js';
import { freePort, makeTempDir, runChecked, runCommand, startProcess, type CommandResult, type ManagedProcess } from './process.js';

export const NOTARY_LIMITS = Object.freeze({
  host: '127.0.0.1',
  readyTimeoutMs: 20_000,
  graceMs: 5_000,
  bindAttempts: 3,
  certDays: 30,
  healthPath: '/_notary_server/health',
  /** Passphrases the client reads from the environment (spec §1). */
  passphrases: {
    NOTARY_ROOT_PASSPHRASE: 'interop-root-pass',
    NOTARY_TARGETS_PASSPHRASE: 'interop-targets-pass',
    NOTARY_SNAPSHOT_PASSPHRASE: 'interop-snapshot-pass',
    NOTARY_DELEGATION_PASSPHRASE: 'interop-delegation-pass',
  },
});

/** Checks for gating a test: the three notary binaries and openssl. */
export const notaryChecks: Readonly<Record<string, ToolCheck>> = Object.freeze({
  'notary-server': binaryCheck('notary-server', 'notary'),
  'notary-signer': binaryCheck('notary-signer', 'notary'),
  notary: binaryCheck('notary', 'notary'),
  openssl: binaryCheck('openssl', 'openssl'),
});

function bin(name: string): string {
  const p = findBinary(name);
  if (!p) throw new Error(`no ${name} binary; gate the test with requireTools(t, notaryChecks)`);
  return p;
}

export interface NotaryPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  signerCert: string;
  signerKey: string;
}

/** A P-256 throwaway CA and server/signer certificates with SAN IP:127.0.0.1 (spec §1). */
export async function makeNotaryPki(dir?: string): Promise<NotaryPki> {
  const d = dir ?? (await makeTempDir('sgn-'));
  const openssl = bin('openssl');
  const days = String(NOTARY_LIMITS.certDays);
  const p = (f: string): string => join(d, f);
  await runChecked(openssl, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', days,
    '-subj', '/CN=swarmguard interop throwaway CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  for (const n of ['server', 'signer']) {
    await runChecked(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p(`notary-${n}.key`), '-out', p(`notary-${n}.csr`), '-subj', `/CN=notary-${n}`]);
    await writeFile(
      p(`${n}.ext`),
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:notary-${n}\n`,
    );
    await runChecked(openssl, ['x509', '-req', '-in', p(`notary-${n}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`notary-${n}.crt`), '-days', days, '-extfile', p(`${n}.ext`)]);
  }
  return { dir: d, caCert: p('ca.crt'), serverCert: p('notary-server.crt'), serverKey: p('notary-server.key'), signerCert: p('notary-signer.crt'), signerKey: p('notary-signer.key') };
}

/** A P-256 certificate issued by the PKI's CA (digitalSignature), e.g. the key a token service signs JWTs with. */
export async function makeCaSignedCert(pki: NotaryPki, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const openssl = bin('openssl');
  const p = (f: string): string => join(pki.dir, f);
  await runChecked(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
  await writeFile(p(`${name}.ext`), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  await runChecked(openssl, ['x509', '-req', '-in', p(`${name}.csr`), '-CA', pki.caCert, '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.crt`), '-days', String(NOTARY_LIMITS.certDays), '-extfile', p(`${name}.ext`)]);
  return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
}

/** A self-signed P-256 certificate and its key (for `notary delegation add`). */
export async function makeSelfSignedCert(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await runChecked(bin('openssl'), ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', String(NOTARY_LIMITS.certDays), '-subj', `/CN=${cn}`]);
  return { cert, key };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: NOTARY_LIMITS.host, port });
    s.setTimeout(1_000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

function healthy(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: NOTARY_LIMITS.host, port, path: NOTARY_LIMITS.healthPath, ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Start with a free port, retrying when another process took it between probe and bind. */
async function startOnFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < NOTARY_LIMITS.bindAttempts; i++) {
    try {
      return await start(await freePort(NOTARY_LIMITS.host));
    } catch (e) {
      last = e;
      if (!/address already in use|bind/i.test((e as Error).message)) throw e;
    }
  }
  throw last;
}

export interface NotarySigner {
  port: number;
  process: ManagedProcess;
}

/** `notary-signer` with memory storage, mutual TLS with the PKI's CA. */
export async function startNotarySigner(pki: NotaryPki): Promise<NotarySigner> {
  const tmp = await makeTempDir('sgn-');
  return startOnFreePort(async (port) => {
    const config = join(tmp, `signer-${port}.json`);
    await writeFile(
      config,
      JSON.stringify({
        server: { grpc_addr: `${NOTARY_LIMITS.host}:${port}`, tls_cert_file: pki.signerCert, tls_key_file: pki.signerKey, client_ca_file: pki.caCert },
        storage: { backend: 'memory' },
        logging: { level: 'info' },
      }),
    );
    const proc = await startProcess({
      name: `notary-signer-${port}`,
      command: bin('notary-signer'),
      args: ['-config', config, '-logf', 'logfmt'],
      tmp,
      graceMs: NOTARY_LIMITS.graceMs,
      ready: { probe: () => canConnect(port), timeoutMs: NOTARY_LIMITS.readyTimeoutMs },
    });
    return { port, process: proc };
  });
}

export interface NotaryServer {
  url: string;
  port: number;
  /** The CA file clients pass as --tlscacert / our --ca. */
  caFile: string;
  process: ManagedProcess;
  logs(): Promise<string>;
}

/** notary-server's `auth` section for registry-style token auth (distribution's token access controller). */
export interface NotaryTokenAuth {
  /** The token service URL clients are sent to (the challenge's realm). */
  realm: string;
  /** The audience tokens must name (`aud`), and the challenge's service. */
  service: string;
  /** The `iss` tokens must carry. */
  issuer: string;
  /** PEM bundle the `x5c` chain of a token must end in. */
  rootCertBundle: string;
}

/**
 * `notary-server` with memory storage: the in-process ed25519 signer, or a
 * remote notary-signer (ECDSA keys); with `auth`, every repository request
 * needs a Bearer token (the health endpoint does not).
 */
export async function startNotaryServer(pki: NotaryPki, signer?: NotarySigner, o: { auth?: NotaryTokenAuth } = {}): Promise<NotaryServer> {
  const tmp = await makeTempDir('sgn-');
  const ca = await readFile(pki.caCert);
  return startOnFreePort(async (port) => {
    const config = join(tmp, `server-${port}.json`);
    const trust = signer
      ? {
          type: 'remote',
          hostname: NOTARY_LIMITS.host,
          port: String(signer.port),
          key_algorithm: 'ecdsa',
          tls_ca_file: pki.caCert,
          tls_client_cert: pki.serverCert,
          tls_client_key: pki.serverKey,
        }
      : { type: 'local' };
    await writeFile(
      config,
      JSON.stringify({
        server: { http_addr: `${NOTARY_LIMITS.host}:${port}`, tls_key_file: pki.serverKey, tls_cert_file: pki.serverCert },
        trust_service: trust,
        storage: { backend: 'memory' },
        logging: { level: 'info' },
        ...(o.auth
          ? {
              auth: {
                type: 'token',
                // distribution's token controller (2.8, vendored by Debian's notary) insists on autoredirect being set.
                options: { realm: o.auth.realm, service: o.auth.service, issuer: o.auth.issuer, rootcertbundle: o.auth.rootCertBundle, autoredirect: false },
              },
            }
          : {}),
      }),
    );
    const proc = await startProcess({
      name: `notary-server-${port}`,
      command: bin('notary-server'),
      args: ['-config', config, '-logf', 'logfmt'],
      tmp,
      graceMs: NOTARY_LIMITS.graceMs,
      ready: { probe: () => healthy(port, ca), timeoutMs: NOTARY_LIMITS.readyTimeoutMs },
    });
    return { url: `https://${NOTARY_LIMITS.host}:${port}`, port, caFile: pki.caCert, process: proc, logs: () => proc.logs() };
  });
}

export interface ListedTag {
  name: string;
  digest: string;
  size: number;
  role: string;
}

export interface NotaryClient {
  trustDir: string;
  /** Run `notary -s URL -d TRUSTDIR --tlscacert CA ARGS…` with the passphrases set; throws on a non-zero exit. */
  run(args: readonly string[], input?: string): Promise<CommandResult>;
  /** `notary list GUN [--roles R…]`, parsed. */
  list(gun: string, roles?: readonly string[]): Promise<ListedTag[]>;
  /** The client's cached (verified) metadata directory for a GUN. */
  metadataDir(gun: string): string;
}

/** The notary client; `env` adds variables such as NOTARY_AUTH (base64 of USER:PASSWORD for token auth). */
export async function notaryClient(server: NotaryServer, o: { env?: Record<string, string> } = {}): Promise<NotaryClient> {
  const trustDir = await makeTempDir('sgn-');
  const env = { ...process.env, ...NOTARY_LIMITS.passphrases, ...o.env };
  const run = (args: readonly string[], input?: string): Promise<CommandResult> =>
    runChecked(bin('notary'), ['-s', server.url, '-d', trustDir, '--tlscacert', server.caFile, ...args], { env, ...(input !== undefined ? { input } : {}) });
  return {
    trustDir,
    run,
    async list(gun, roles = []) {
      const r = await run(['list', gun, ...roles.flatMap((x) => ['--roles', x])]);
      return r.stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length === 4 && /^[0-9a-f]{64}$/.test(f[1]!))
        .map(([name, digest, size, role]) => ({ name: name!, digest: digest!, size: Number(size), role: role! }));
    },
    metadataDir: (gun) => join(trustDir, 'tuf', ...gun.split('/'), 'metadata'),
  };
}

/** `notary version`, for logs. */
export async function notaryVersion(): Promise<string> {
  const r = await runCommand(bin('notary'), ['version']);
  return r.stdout.trim().split('\n').slice(0, 2).join(' ');
}

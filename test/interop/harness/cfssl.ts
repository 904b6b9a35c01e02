/**
 * The real `cfssl` binary (Debian golang-cfssl, 1.2.0): certinfo, gencert and
 * `cfssl serve` on 127.0.0.1, the external CA that spec §11 rotated a swarm onto.
 *
 * Importing this module has no side effects.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findBinary } from './interop.js';
import { freePort, makeTempDir, runChecked, startProcess, type ManagedProcess } from './process.js';

const CFSSL = Object.freeze({
  /** cfssl serve logs this once its handlers are set up, right before it listens. */
  listeningLine: 'Now listening on',
  signPath: '/api/v1/cfssl/sign',
  infoPath: '/api/v1/cfssl/info',
  /** A port picked as free can be taken before cfssl binds it; try again this often. */
  bindAttempts: 3,
});

/** The `subject`/`issuer` objects of `cfssl certinfo` (empty fields are omitted). */
export interface CfsslName {
  common_name?: string;
  serial_number?: string;
  country?: string;
  organization?: string;
  organizational_unit?: string;
  locality?: string;
  province?: string;
  street_address?: string;
  names?: string[];
}

/** Output of `cfssl certinfo -cert FILE`. */
export interface CfsslCertInfo {
  subject: CfsslName;
  issuer: CfsslName;
  serial_number: string;
  sans?: string[];
  not_before: string;
  not_after: string;
  sigalg: string;
  authority_key_id: string;
  subject_key_id: string;
  pem: string;
}

/** A cfssl CSR JSON document, e.g. `{ CN: 'swarm-ca', key: { algo: 'ecdsa', size: 256 } }`. */
export interface CfsslCsr {
  CN?: string;
  hosts?: string[];
  key?: { algo: 'ecdsa' | 'rsa'; size: number };
  names?: Array<Record<string, string>>;
  ca?: { expiry?: string; pathlen?: number; pathlenzero?: boolean };
  [field: string]: unknown;
}

export interface CfsslKeyPair {
  cert: string;
  key: string;
  csr: string;
}

function cfsslBinary(): string {
  const cfssl = findBinary('cfssl');
  if (!cfssl) throw new Error("no cfssl binary; gate the test with requireTool(t, 'cfssl', checks.cfssl)");
  return cfssl;
}

/**
 * Runs `cfssl certinfo -cert FILE` and returns the parsed JSON. cfssl refuses a
 * file with more than one PEM block, and swarm-node.crt can hold a chain (leaf
 * first), so only the first certificate is passed; see cfsslCertinfoAll.
 */
export async function cfsslCertinfo(pem: string): Promise<CfsslCertInfo> {
  const first = splitPemCertificates(pem)[0];
  if (first === undefined) throw new Error('cfsslCertinfo: no PEM certificate in the input');
  const tmp = await makeTempDir('sgc-');
  const file = join(tmp, 'cert.pem');
  await writeFile(file, first);
  const result = await runChecked(cfsslBinary(), ['certinfo', '-cert', file]);
  return JSON.parse(result.stdout) as CfsslCertInfo;
}

/** cfsslCertinfo for every certificate of a PEM bundle, in file order. */
export async function cfsslCertinfoAll(pem: string): Promise<CfsslCertInfo[]> {
  const infos: CfsslCertInfo[] = [];
  for (const block of splitPemCertificates(pem)) infos.push(await cfsslCertinfo(block));
  return infos;
}

/** The CERTIFICATE blocks of a PEM text, each with a trailing newline. */
export function splitPemCertificates(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => `${b}\n`);
}

/** `cfssl gencert -initca`: a new self-signed root and its key. */
export async function cfsslInitCa(csr: CfsslCsr): Promise<CfsslKeyPair> {
  const result = await runChecked(cfsslBinary(), ['gencert', '-initca', '-'], { input: JSON.stringify(csr) });
  return JSON.parse(result.stdout) as CfsslKeyPair;
}

export interface CfsslGencertOptions {
  csr: CfsslCsr;
  /** PEM of the issuing CA and its key. */
  caCert: string;
  caKey: string;
  /** cfssl signing config (object or JSON text). */
  config?: object | string;
  profile?: string;
  /** Comma-separated SANs, overriding csr.hosts. */
  hostname?: string;
}

/** `cfssl gencert -ca ... -ca-key ...`: a key and a certificate signed by the given CA. */
export async function cfsslGencert(options: CfsslGencertOptions): Promise<CfsslKeyPair> {
  const tmp = await makeTempDir('sgc-');
  const files = await writeCaFiles(tmp, options.caCert, options.caKey, options.config);
  const args = ['gencert', '-ca', files.caCert, '-ca-key', files.caKey];
  if (files.config) args.push('-config', files.config);
  if (options.profile) args.push('-profile', options.profile);
  if (options.hostname !== undefined) args.push('-hostname', options.hostname);
  args.push('-');
  const result = await runChecked(cfsslBinary(), args, { input: JSON.stringify(options.csr) });
  return JSON.parse(result.stdout) as CfsslKeyPair;
}

export interface StartCfsslServeOptions {
  /** PEM of the signing CA and its key. */
  caCert: string;
  caKey: string;
  /** cfssl signing config (object or JSON text), e.g. the §11 `default` and `CA` profiles. */
  config: object | string;
  /**
   * Serve HTTPS with this certificate and key (PEM); plain HTTP when absent.
   * SwarmKit only accepts an https:// external CA: with http:// `docker swarm ca
   * --rotate` fails with "there must be at least one valid, reachable external CA".
   * The certificate needs SAN IP:127.0.0.1 (cfsslGencert hostname '127.0.0.1').
   */
  tls?: { cert: string; key: string };
  /** Bind address; 127.0.0.1 unless told otherwise. Keep it on loopback. */
  host?: string;
  port?: number;
  tmp?: string;
  /** Run inside a harness daemon's network namespace (for DockerdHandle with network 'isolated'). */
  netns?: { inNetns(command: string, args: readonly string[]): { command: string; args: string[] }; netnsPid: number | undefined };
}

export interface CfsslServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The sign endpoint, as given to `docker swarm ca --external-ca protocol=cfssl,url=...`. */
  signUrl: string;
  host: string;
  port: number;
  process: ManagedProcess;
  /** stdout and stderr so far (cfssl logs each request, with the serial it signed). */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `cfssl serve` on 127.0.0.1:<free port>; stopped by an `after()` hook. */
export async function startCfsslServe(options: StartCfsslServeOptions): Promise<CfsslServer> {
  const cfssl = cfsslBinary();
  const tmp = options.tmp ?? (await makeTempDir('sgc-'));
  const files = await writeCaFiles(tmp, options.caCert, options.caKey, options.config);
  const host = options.host ?? '127.0.0.1';
  const tlsArgs: string[] = [];
  if (options.tls) {
    const tlsCert = join(tmp, 'tls.pem');
    const tlsKey = join(tmp, 'tls-key.pem');
    await writeFile(tlsCert, options.tls.cert);
    await writeFile(tlsKey, options.tls.key, { mode: 0o600 });
    tlsArgs.push('-tls-cert', tlsCert, '-tls-key', tlsKey);
  }
  const inNetns = options.netns !== undefined && options.netns.netnsPid !== undefined;

  let lastError: unknown;
  for (let attempt = 1; attempt <= (options.port ? 1 : CFSSL.bindAttempts); attempt++) {
    const port = options.port ?? (await freePort(host));
    const serveArgs = ['serve', '-address', host, '-port', String(port), '-ca', files.caCert, '-ca-key', files.caKey, '-config', files.config ?? '', ...tlsArgs];
    const wrapped = options.netns ? options.netns.inNetns(cfssl, serveArgs) : { command: cfssl, args: serveArgs };
    const stderrPath = join(tmp, `cfssl-${attempt}.stderr`);
    try {
      const proc = await startProcess({
        name: `cfssl-${attempt}`,
        command: wrapped.command,
        args: wrapped.args,
        tmp,
        graceMs: 5_000,
        ready: {
          // The log line, then (when we share its namespace) a TCP connect.
          probe: async () =>
            (await readFile(stderrPath, 'utf8')).includes(CFSSL.listeningLine) && (inNetns || (await canConnect(host, port))),
          timeoutMs: 15_000,
        },
      });
      const url = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
      return {
        url,
        signUrl: `${url}${CFSSL.signPath}`,
        host,
        port,
        process: proc,
        logs: () => proc.logs(),
        stop: async () => {
          await proc.stop();
        },
      };
    } catch (e) {
      lastError = e;
      if (!/address already in use/i.test((e as Error).message)) throw e;
    }
  }
  throw lastError;
}

async function writeCaFiles(
  dir: string,
  caCert: string,
  caKey: string,
  config: object | string | undefined,
): Promise<{ caCert: string; caKey: string; config: string | undefined }> {
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  await writeFile(certFile, caCert);
  await writeFile(keyFile, caKey, { mode: 0o600 });
  let configFile: string | undefined;
  if (config !== undefined) {
    configFile = join(dir, 'config.json');
    await writeFile(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  }
  return { caCert: certFile, caKey: keyFile, config: configFile };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The info endpoint path, for callers probing the server themselves. */
export const CFSSL_INFO_PATH = CFSSL.infoPath;

/**
 * Reloadable mTLS credentials: one object holds the material and policy,
 * hands out server and client options, guards servers, and swaps in renewed
 * material with `setSecureContext` (open connections keep theirs; new
 * handshakes get the new certificate), on `update()` or when watched files change.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import * as tls from 'node:tls';
import { systemClock } from '../../core/clock.js';
import { parsePem } from '../../core/pem.js';
import { parseCertificate, type ParsedCert } from '../../core/x509/parse.js';
import { defaults } from '../../defaults.js';
import { InputError } from '../../errors.js';
import { normalizeSerial } from '../revocation-list.js';
import { authorizePeer, authorizeSocket } from './authorize.js';
import { crlIndex, type CrlIndex } from './crl-index.js';
import { guardServer, reporter, type Reporter } from './guard.js';
import type { Authorization, MtlsEvents, MtlsMaterial, MtlsPolicy, PeerIdentity } from './types.js';

/** Server name a client asks for unless the policy says otherwise (spec 8.1). */
export const DEFAULT_SERVER_NAME = 'swarm-manager';

/** File watching (fs.watchFile polls; renewals are rare). Candidates for defaults.tls. */
export const WATCH_DEFAULTS = defaults.tls.watch;

export interface WatchFiles {
  cert: string;
  key: string;
  roots: string;
  crl?: string;
}

export interface WatchOptions {
  intervalMs?: number;
  /** Quiet time after the last change before reloading (a renewal writes cert and key separately). */
  debounceMs?: number;
}

/** The TLS options every swarmguard mTLS endpoint uses: TLS 1.2+, AEAD suites only, our roots only. */
export function secureContextOptions(m: MtlsMaterial): tls.SecureContextOptions {
  return {
    cert: m.certChainPem,
    key: m.keyPem,
    ca: m.trustRootsPem,
    minVersion: defaults.tls.minVersion,
    ciphers: defaults.tls.ciphers,
    honorCipherOrder: true,
  };
}

interface Prepared {
  material: MtlsMaterial;
  options: tls.SecureContextOptions;
  leaf: ParsedCert;
  crl: CrlIndex | undefined;
}

/** The CERTIFICATE blocks of a PEM string, strictly parsed; none when there are none. */
function certsIn(pem: string, what: string): ParsedCert[] {
  const blocks = parsePem(pem, what).filter((b) => b.type === 'CERTIFICATE');
  return blocks.map((b, i) => parseCertificate(b.der, `${what} (certificate ${i + 1})`));
}

/** Check material before it is used: roots present, chain readable, key matching, CRL signed by a trusted CA. */
function prepare(material: MtlsMaterial): Prepared {
  if (typeof material?.certChainPem !== 'string' || typeof material.trustRootsPem !== 'string' || material.keyPem === undefined) {
    throw new TypeError('mTLS material needs certChainPem, keyPem and trustRootsPem');
  }
  const roots = certsIn(material.trustRootsPem, 'trust roots');
  if (roots.length === 0) throw new InputError('ERR_MTLS_NO_ROOTS', 'no trust roots given; pass the CA bundle (swarmguard ca export-root; old and new roots during a rotation)');
  const chain = certsIn(material.certChainPem, 'certificate chain');
  if (chain.length === 0) throw new InputError('ERR_MTLS_NO_CERT', 'no certificate given; pass the node certificate (leaf first, then intermediates)');
  const options = secureContextOptions(material);
  try {
    // OpenSSL drops a key that does not match the certificate without an error, so check it here
    if (!new X509Certificate(chain[0]!.der).checkPrivateKey(createPrivateKey(material.keyPem))) throw new Error('key values mismatch');
    tls.createSecureContext(options);
  } catch (e) {
    throw new InputError('ERR_MTLS_MATERIAL', `the certificate, key or roots cannot be used (${(e as Error).message.split('\n')[0]}); check that the key belongs to the certificate`, { cause: e });
  }
  const crl = material.crl ? crlIndex(material.crl, [...roots, ...chain.slice(1)]) : undefined;
  return { material, options, leaf: chain[0]!, crl };
}

export class MtlsCredentials {
  private current: Prepared;
  private policyValue: MtlsPolicy;
  private readonly report: Reporter;
  private readonly servers = new Set<tls.Server>();
  private readonly stops = new Set<() => void>();

  constructor(
    material: MtlsMaterial,
    policy: MtlsPolicy,
    private readonly events: MtlsEvents = {},
  ) {
    checkPolicy(policy);
    this.current = prepare(material);
    this.policyValue = policy;
    this.report = reporter(events);
    this.warnStaleCrl();
  }

  get material(): MtlsMaterial {
    return this.current.material;
  }

  get policy(): MtlsPolicy {
    return this.policyValue;
  }

  /** Serial (lowercase hex) and expiry of the certificate new handshakes present. */
  get certificate(): { serial: string; notAfter: Date } {
    return { serial: normalizeSerial(this.current.leaf.serialHex), notAfter: this.current.leaf.notAfter };
  }

  /** For tls.createServer / https.createServer: client certificates requested and required. */
  serverOptions(): tls.TlsOptions {
    return { ...this.current.options, requestCert: true, rejectUnauthorized: true };
  }

  /**
   * For tls.connect / https.request: our certificate, the trust roots, and a
   * server check by name (policy.serverName, default swarm-manager) and by
   * the same role/cluster/revocation policy. The material current at connect time is used.
   */
  clientOptions(serverName?: string): tls.ConnectionOptions {
    const name = serverName ?? this.policyValue.serverName ?? DEFAULT_SERVER_NAME;
    const crl = this.current.crl;
    const policy = this.policyValue;
    return {
      ...this.current.options,
      servername: name,
      rejectUnauthorized: true,
      checkServerIdentity: (host, peer) => {
        const hostError = tls.checkServerIdentity(host, peer);
        if (hostError) return hostError;
        const verdict = authorizePeer(peer.raw, policy, crl);
        if (verdict.ok) return undefined;
        return Object.assign(new Error(`server ${host} refused by policy: ${verdict.reason}`), { code: 'ERR_MTLS_PEER_REFUSED', reason: verdict.reason });
      },
    };
  }

  /** The verdict on a connected socket (TLS verification, then policy); pure apart from reading the socket. */
  authorize(socket: tls.TLSSocket): Authorization {
    return authorizeSocket(socket, this.policyValue, this.current.crl);
  }

  /**
   * Guard `server` (built from serverOptions()): refused connections are
   * closed and reported; `update()` reaches it. `admit` gets admitted sockets
   * only; listeners added to 'secureConnection' later must check `socket.destroyed`.
   */
  attach<S extends tls.Server>(server: S, admit?: (socket: tls.TLSSocket, peer: PeerIdentity) => void): S {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    return guardServer(server, (s) => this.authorize(s), this.report, admit);
  }

  /** A guarded TLS server whose handler sees only authorized peers. */
  createServer(onConnection?: (socket: tls.TLSSocket, peer: PeerIdentity) => void): tls.Server {
    return this.attach(tls.createServer(this.serverOptions()), onConnection);
  }

  /**
   * New material (renewal, rotation, a new CRL) and optionally a new policy.
   * Checked first: on error nothing changes. Open connections keep their session.
   */
  update(material: MtlsMaterial, policy?: MtlsPolicy): void {
    if (policy) checkPolicy(policy);
    const next = prepare(material);
    const serverOpts = { ...next.options, requestCert: true, rejectUnauthorized: true };
    for (const s of this.servers) s.setSecureContext(serverOpts);
    this.current = next;
    if (policy) this.policyValue = policy;
    const cert = this.certificate;
    this.report.info(`new certificate ${cert.serial} (expires ${cert.notAfter.toISOString()}) for new connections`);
    this.warnStaleCrl();
    this.events.onReload?.(cert);
  }

  /**
   * Reload when any of the files changes (fs.watchFile polling, debounced).
   * A failed reload (say, the cert was replaced before its key) is logged and
   * the current material kept; the next change retries. Returns a stop function.
   */
  watch(files: WatchFiles, opts: WatchOptions = {}): () => void {
    const interval = opts.intervalMs ?? WATCH_DEFAULTS.intervalMs;
    const debounce = opts.debounceMs ?? WATCH_DEFAULTS.debounceMs;
    const paths = [files.cert, files.key, files.roots, ...(files.crl ? [files.crl] : [])];
    let timer: NodeJS.Timeout | undefined;
    const reload = (): void => {
      try {
        this.update({
          certChainPem: readFileSync(files.cert, 'utf8'),
          keyPem: readFileSync(files.key),
          trustRootsPem: readFileSync(files.roots, 'utf8'),
          ...(files.crl ? { crl: readFileSync(files.crl, 'utf8') } : {}),
        });
      } catch (e) {
        this.report.info(`reload from ${files.cert} failed, keeping the current certificate: ${(e as Error).message}`);
      }
    };
    const changed = (): void => {
      clearTimeout(timer);
      timer = setTimeout(reload, debounce);
      timer.unref();
    };
    for (const p of paths) watchFile(p, { interval, persistent: false }, changed);
    const stop = (): void => {
      clearTimeout(timer);
      for (const p of paths) unwatchFile(p, changed);
      this.stops.delete(stop);
    };
    this.stops.add(stop);
    return stop;
  }

  /** Stop every watch. Servers are the caller's to close. */
  close(): void {
    for (const stop of [...this.stops]) stop();
  }

  private warnStaleCrl(): void {
    const stale = this.current.crl?.stale((this.events.clock ?? systemClock).now()) ?? [];
    for (const c of stale) {
      this.report.info(`the CRL from ${c.issuer} (number ${c.number ?? '?'}) passed its nextUpdate ${c.nextUpdate!.toISOString()}; it is still enforced — fetch a fresh one (swarmguard ca crl)`);
    }
  }
}

function checkPolicy(p: MtlsPolicy): void {
  if (!p || typeof p.clusterId !== 'string' || p.clusterId.length === 0) throw new TypeError('mTLS policy needs a clusterId');
  if (!Array.isArray(p.allowedRoles) || p.allowedRoles.length === 0) throw new TypeError('mTLS policy needs at least one allowed role');
}

export interface ReloadableServerOptions extends MtlsEvents {
  /** Called for authorized connections only. */
  onConnection?: (socket: tls.TLSSocket, peer: PeerIdentity) => void;
  /** Reload from these files when they change. */
  watch?: WatchFiles & WatchOptions;
}

/**
 * A guarded TLS server plus its credentials: call `credentials.update()` on
 * renewal (or give `watch`), then `server.listen()`. `close()` stops watching
 * and closes the server (open connections run to their end).
 */
export function createReloadableServer(
  material: MtlsMaterial,
  policy: MtlsPolicy,
  opts: ReloadableServerOptions = {},
): { server: tls.Server; credentials: MtlsCredentials; close(): Promise<void> } {
  const { onConnection, watch, ...events } = opts;
  const credentials = new MtlsCredentials(material, policy, events);
  const server = credentials.createServer(onConnection);
  if (watch) credentials.watch(watch, watch);
  return {
    server,
    credentials,
    close: () =>
      new Promise<void>((resolve) => {
        credentials.close();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

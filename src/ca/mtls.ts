/**
 * Mutual TLS from the CA's material, for Node `tls`/`https` servers and
 * clients: TLS 1.2+, AEAD suites only, client certificates required, and an
 * authorization step on the verified peer leaf as SwarmKit does it (spec 8.2):
 * OU is an allowed role, O is the cluster ID, and the certificate (serial) or
 * node (CN) is not revoked — SwarmKit has no CRL; we honour ours.
 *
 * During a root rotation leaves arrive as [leaf][cross-signed root] whose
 * intermediate has subject = issuer = CN=swarm-ca; OpenSSL (and so Node)
 * rejects that chain when only the old root is trusted (spec 4.4). Pass the
 * whole trust bundle (old + new roots: `trustBundle(state)`) as `trustRootsPem`.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { watchFile, unwatchFile, readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';
import { parsePem } from '../core/pem.js';
import { normalizeSerial, type Revocations } from './revocation-list.js';

export type SwarmRole = 'swarm-manager' | 'swarm-worker';

export interface MtlsMaterial {
  /** Leaf first, then any intermediates (the cross-signed root during a rotation). */
  certChainPem: string;
  keyPem: string | Buffer;
  /** Every root to trust: old and new during a rotation. */
  trustRootsPem: string;
}

export interface MtlsPolicy {
  clusterId: string;
  allowedRoles: readonly SwarmRole[];
  /** True when the certificate or node is revoked. */
  isRevoked?: (serialHex: string, nodeId: string) => boolean;
}

export type Authorization = { ok: true; nodeId: string; role: SwarmRole; clusterId: string; serial: string } | { ok: false; reason: string };

/** The secure-context options every swarmguard TLS endpoint uses. */
export function secureContextOptions(m: MtlsMaterial): tls.SecureContextOptions {
  if (parsePem(m.trustRootsPem, 'trust roots').filter((b) => b.type === 'CERTIFICATE').length === 0) {
    throw new InputError('ERR_MTLS_NO_ROOTS', 'no trust roots given; pass the CA bundle (swarmguard ca export-root)');
  }
  return {
    cert: m.certChainPem,
    key: m.keyPem,
    ca: m.trustRootsPem,
    minVersion: defaults.tls.minVersion,
    ciphers: defaults.tls.ciphers,
    honorCipherOrder: true,
  };
}

/** Subject attributes of a verified leaf, from node's one-per-line rendering. */
function subjectOf(cert: X509Certificate): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of cert.subject.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    (out[line.slice(0, i)] ??= []).push(line.slice(i + 1));
  }
  return out;
}

/** Authorize a verified peer leaf against the policy (pure). */
export function authorizePeer(cert: X509Certificate | undefined, policy: MtlsPolicy): Authorization {
  if (!cert) return { ok: false, reason: 'no client certificate' };
  const s = subjectOf(cert);
  const ou = s.OU ?? [];
  const role = ou.find((r): r is SwarmRole => (policy.allowedRoles as readonly string[]).includes(r));
  if (!role) return { ok: false, reason: `role ${ou.join(',') || '(none)'} is not allowed here (allowed: ${policy.allowedRoles.join(', ')})` };
  const o = s.O?.[0];
  if (o !== policy.clusterId) return { ok: false, reason: `certificate is for cluster ${o ?? '(none)'}, not ${policy.clusterId}` };
  const nodeId = s.CN?.[0];
  if (!nodeId) return { ok: false, reason: 'certificate has no CN (node ID)' };
  const serial = normalizeSerial(cert.serialNumber);
  if (policy.isRevoked?.(serial, nodeId)) return { ok: false, reason: `certificate ${serial} of node ${nodeId} is revoked` };
  return { ok: true, nodeId, role, clusterId: o, serial };
}

/** A revocation check from the CA's records, or from a CRL PEM (what a remote peer has). */
export function revocationCheck(source: Revocations | string): (serialHex: string, nodeId: string) => boolean {
  if (typeof source !== 'string') return (serial, nodeId) => source.isSerialRevoked(serial) || source.isNodeRevoked(nodeId);
  const crl = new x509.X509Crl(source);
  const serials = new Set(crl.entries.map((e) => normalizeSerial(e.serialNumber)));
  return (serial) => serials.has(normalizeSerial(serial));
}

export interface MtlsEvents {
  /** Called for every refused connection (after the handshake) with the reason. */
  onRefused?: (reason: string, remote: string | undefined) => void;
}

/**
 * Server credentials: options for tls.createServer / https.createServer and
 * the authorization hook. `update()` swaps certificate, key and roots for new
 * handshakes without touching open connections (renewal, rotation).
 */
export class MtlsServerCredentials {
  private material: MtlsMaterial;
  private servers = new Set<tls.Server>();
  private watched: string[] = [];

  constructor(
    material: MtlsMaterial,
    private policy: MtlsPolicy,
    private readonly events: MtlsEvents = {},
  ) {
    this.material = material;
    secureContextOptions(material);
  }

  serverOptions(): tls.TlsOptions {
    return { ...secureContextOptions(this.material), requestCert: true, rejectUnauthorized: true };
  }

  /** Enforce the policy on every connection of `server` (closes refused ones). */
  attach<S extends tls.Server>(server: S): S {
    this.servers.add(server);
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      const verdict = authorizePeer(socket.getPeerX509Certificate(), this.policy);
      if (!verdict.ok) {
        this.events.onRefused?.(verdict.reason, socket.remoteAddress);
        socket.destroy();
      }
    });
    server.on('close', () => this.servers.delete(server));
    return server;
  }

  /** New material for new handshakes; existing connections keep theirs. */
  update(material: MtlsMaterial, policy?: MtlsPolicy): void {
    const opts = secureContextOptions(material);
    for (const s of this.servers) s.setSecureContext(opts);
    this.material = material;
    if (policy) this.policy = policy;
  }

  /** Reload from files when any of them changes (polling, debounced); returns a stop function. */
  watchFiles(files: { cert: string; key: string; roots: string }, intervalMs = 2_000): () => void {
    let timer: NodeJS.Timeout | undefined;
    const reload = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          this.update({ certChainPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key), trustRootsPem: readFileSync(files.roots, 'utf8') });
        } catch (e) {
          // a half-written pair (cert renamed before key): the next change event retries
          this.events.onRefused?.(`reload failed: ${(e as Error).message}`, undefined);
        }
      }, 200);
      timer.unref();
    };
    this.watched = [files.cert, files.key, files.roots];
    for (const f of this.watched) watchFile(f, { interval: intervalMs, persistent: false }, reload);
    return () => {
      clearTimeout(timer);
      for (const f of this.watched) unwatchFile(f, reload);
    };
  }
}

/**
 * Client options for tls.connect / https.request: our certificate, the trust
 * roots, and a server identity check by role and cluster instead of host
 * name (swarm peers are named swarm-manager / swarm-ca, spec 8.1).
 */
export function clientOptions(material: MtlsMaterial, policy: MtlsPolicy, servername = 'swarm-manager'): tls.ConnectionOptions {
  return {
    ...secureContextOptions(material),
    servername,
    rejectUnauthorized: true,
    checkServerIdentity: (host, peer) => {
      const cert = new X509Certificate(peer.raw);
      if (!cert.checkHost(host)) return new Error(`server certificate is not valid for ${host}`);
      const verdict = authorizePeer(cert, policy);
      return verdict.ok ? undefined : new Error(`server refused by policy: ${verdict.reason}`);
    },
  };
}

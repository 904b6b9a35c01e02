/**
 * `serveCfssl`: wire the CA, the sign policy, the TLS identity and the HTTPS
 * server together: what `swarmguard ca serve` runs. Signals and output stay
 * in the CLI.
 */
import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { derObjects, toPem } from '../../core/pem.js';
import { InputError } from '../../errors.js';
import type { CertificateAuthority } from '../authority.js';
import { CsrVerifierPool, defaultVerifyThreads } from './csr-pool.js';

/** Issuer threads of `ca serve` by default: 0 until measured (docs/benchmarks.md). */
export function defaultServeIssueThreads(): number {
  return 0;
}
import { identityDue, issueServerIdentity, type TlsIdentity } from './identity.js';
import { defaults } from '../../defaults.js';
import { startCfsslServer, type CfsslServer, type ServerTlsOptions } from './server.js';
import { CfsslSigner } from './sign.js';

export interface ServeCfsslOptions {
  host: string;
  port: number;
  clock: Clock;
  log?: (msg: string) => void;
  /** Plain HTTP (loopback benchmarks only; checked by the CLI). */
  insecureHttp?: boolean;
  /** Server identity; when absent one is issued from the CA for `hosts`. */
  certPem?: string;
  keyPem?: string;
  hosts?: string[];
  /** PEM bundle of client trust roots; absent = no client authentication. */
  clientCa?: Uint8Array;
  requireManager?: boolean;
  clusterId?: string;
  allowCrossSign?: boolean;
  expiryMs?: number;
  /** Worker threads that verify CSRs (0 = on the main thread); default defaultVerifyThreads(). */
  verifyThreads?: number;
  /**
   * Worker threads that verify CSRs and sign (IssuerPool, holding the CA key);
   * 0 = sign on the main thread. When > 0, `verifyThreads` is not used.
   */
  issueThreads?: number;
  /** Re-read CA state (SIGHUP). */
  reload?: () => Promise<void>;
}

export interface RunningCfssl {
  server: CfsslServer;
  signer: CfsslSigner;
  clientAuth: 'none' | 'required' | 'manager';
  /** Serial of the self-issued server certificate, or "given". */
  tlsServerCert: string;
  /** One line for the operator. */
  description: string;
  summary(): string;
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Read the client trust bundle: at least one certificate, each readable. */
export function readClientCa(bundle: Uint8Array): string[] {
  const ders = derObjects(bundle, ['CERTIFICATE'], 'the client CA bundle');
  return ders.map((der, i) => {
    try {
      new X509Certificate(der);
    } catch (e) {
      throw new InputError('ERR_CFSSL_CLIENT_CA', `certificate ${i + 1} of the client CA bundle cannot be read; pass PEM CA certificates`, { cause: e });
    }
    return toPem('CERTIFICATE', der);
  });
}

export async function serveCfssl(ca: CertificateAuthority, o: ServeCfsslOptions): Promise<RunningCfssl> {
  const log = o.log ?? (() => undefined);
  const issueThreads = o.issueThreads ?? defaultServeIssueThreads();
  if (issueThreads > 0) await ca.startIssuerPool(issueThreads);
  const pool = new CsrVerifierPool(issueThreads > 0 ? 0 : (o.verifyThreads ?? defaultVerifyThreads()));
  const signer = new CfsslSigner(ca, {
    ...(pool.size > 0 ? { readCsr: (pem: string) => pool.verify(pem) } : {}),
    ...(o.clusterId !== undefined ? { clusterId: o.clusterId } : {}),
    ...(o.allowCrossSign ? { allowCrossSign: true } : {}),
    ...(o.expiryMs !== undefined ? { expiryMs: o.expiryMs } : {}),
    log,
  });
  let identity: TlsIdentity | undefined;
  let tls: ServerTlsOptions | undefined;
  if (!o.insecureHttp) {
    let certPem = o.certPem;
    let keyPem = o.keyPem;
    if (certPem === undefined || keyPem === undefined) {
      identity = await issueServerIdentity(ca, o.hosts ?? defaults.cfssl.serverHosts);
      ({ certPem, keyPem } = identity);
    }
    tls = {
      certPem,
      keyPem,
      ...(o.clientCa ? { clientCaPems: readClientCa(o.clientCa) } : {}),
      ...(o.requireManager ? { requireManager: true } : {}),
      ...(o.clusterId !== undefined ? { clusterId: o.clusterId } : {}),
    };
  }
  let server: CfsslServer;
  try {
    server = await startCfsslServer({ signer, host: o.host, port: o.port, ...(tls ? { tls } : {}), log });
  } catch (e) {
    await pool.close();
    await ca.stopIssuerPool();
    throw e;
  }

  // A self-issued identity is re-issued in place before it expires.
  let renewing = false;
  const renewTimer = identity
    ? setInterval(() => {
        if (renewing || !identity || !identityDue(identity, o.clock.now())) return;
        renewing = true;
        issueServerIdentity(ca, o.hosts ?? defaults.cfssl.serverHosts)
          .then((next) => {
            identity = next;
            server.setIdentity(next.certPem, next.keyPem);
            log(`renewed the server certificate (serial ${next.serial}, valid to ${next.notAfter.toISOString()})`);
          })
          .catch((e: unknown) => log(`could not renew the server certificate: ${(e as Error).message}`))
          .finally(() => {
            renewing = false;
          });
      }, defaults.cfssl.serverCertCheckMs)
    : undefined;
  renewTimer?.unref();

  const clientAuth = !tls?.clientCaPems ? 'none' : o.requireManager ? 'manager' : 'required';
  const description = [
    o.insecureHttp ? 'plain HTTP, no TLS' : `TLS ${identity ? `self-issued certificate serial ${identity.serial}` : 'given certificate'}`,
    `client certificates: ${clientAuth === 'none' ? 'not checked' : clientAuth === 'manager' ? 'swarm managers only' : 'required'}`,
    o.clusterId !== undefined ? `cluster ${o.clusterId} only` : 'any cluster',
    o.allowCrossSign ? 'cross-signing allowed' : 'no cross-signing',
    issueThreads > 0 ? `${issueThreads} issuer thread${issueThreads === 1 ? '' : 's'}` : `${pool.size} CSR verifier thread${pool.size === 1 ? '' : 's'}`,
  ].join(', ');
  return {
    server,
    signer,
    clientAuth,
    tlsServerCert: identity ? identity.serial : o.insecureHttp ? 'none' : 'given',
    description,
    summary: () => {
      const s = server.stats();
      return `${s.requests} requests, ${s.issued} certificates issued, ${s.refused} refused`;
    },
    async reload() {
      await o.reload?.();
    },
    async stop() {
      if (renewTimer) clearInterval(renewTimer);
      await server.close();
      await pool.close();
      await ca.stopIssuerPool();
      const store = ca.store as { close?: () => Promise<void> };
      await store.close?.();
    },
  };
}

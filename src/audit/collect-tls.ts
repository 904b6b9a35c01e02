/**
 * SW-05 / CIS 7.7: the node certificate each manager presents on its swarm
 * port. The node certificate's expiry is not in the Engine API (audit spec
 * 3.1), but the handshake gives it: we dial each `ManagerStatus.Addr`, take
 * the peer's chain and close the socket without sending a byte. The chain is
 * not verified here (an unverifiable chain is a fact to report, not a reason
 * to stop); the rule checks it against the cluster's issuer key.
 */
import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import { defaults } from '../defaults.js';
import { mapLimit } from '../core/concurrency.js';
import { toPem } from '../core/pem.js';
import { OID } from '../core/oids.js';
import { nameAttributes } from '../core/x509/names.js';
import { parseCertificate } from '../core/x509/parse.js';
import type { Fact, Facts } from './snapshot.js';
import type { TlsPeerCert, TlsProbe } from './tls-facts.js';

/** What a handshake yields: the peer's certificates (DER, leaf first) and the TLS version. */
export interface TlsHandshake {
  chain: Buffer[];
  protocol?: string;
}

/** Dial, handshake, hang up. Injected in tests; `nodeTlsConnector` is the real one. */
export type TlsConnector = (host: string, port: number, opts: { timeoutMs: number; servername: string }) => Promise<TlsHandshake>;

export interface CollectTlsOptions {
  connector?: TlsConnector;
  /** More `host[:port]` addresses to probe (port default 2377), e.g. managers the API does not list. */
  addresses?: readonly string[];
  timeoutMs?: number;
  concurrency?: number;
}

const SUBJECT_OIDS = { O: OID.organization, OU: OID.organizationalUnit, CN: OID.commonName } as const;

/** The real connector: node:tls, no client certificate, no verification, nothing sent after the handshake. */
export const nodeTlsConnector: TlsConnector = (host, port, o) =>
  new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, value?: TlsHandshake): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const socket = tls.connect({
      host,
      port,
      // SNI is only sent for names, and SwarmKit's clients send this one (swarmkit spec 1.9).
      servername: o.servername,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => done(new Error(`no TLS handshake within ${o.timeoutMs} ms`)), o.timeoutMs);
    socket.once('secureConnect', () => {
      const chain: Buffer[] = [];
      const seen = new Set<string>();
      let c: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (c && c.raw && chain.length < defaults.audit.tlsProbe.maxChainCerts) {
        const fp = c.fingerprint256;
        if (seen.has(fp)) break;
        seen.add(fp);
        chain.push(Buffer.from(c.raw));
        c = c.issuerCertificate;
      }
      const protocol = socket.getProtocol();
      done(undefined, { chain, ...(protocol ? { protocol } : {}) });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => done(new Error(e.code ? `${e.code}: ${e.message}` : e.message)));
    socket.once('close', () => done(new Error('connection closed before the TLS handshake finished')));
  });

/** Split `host:port` / `[v6]:port` / `host` (port default 2377). Undefined when it is not an address. */
export function splitAddress(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+))(?::(\d{1,5}))?$/.exec(addr.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? defaults.audit.tlsProbe.swarmPort : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}


/** Facts from a presented chain (DER, leaf first). Throws InputError when the leaf does not parse. */
export function describePeerChain(chain: readonly Buffer[]): TlsPeerCert {
  const leaf = parseCertificate(chain[0]!, 'peer certificate');
  const subject: TlsPeerCert['subject'] = {};
  for (const k of ['O', 'OU', 'CN'] as const) {
    const v = nameAttributes(leaf.subject, SUBJECT_OIDS[k])[0];
    if (v !== undefined) subject[k] = v;
  }
  // The issuer, if the peer sent it: the first chain certificate whose subject is the leaf's issuer.
  let issuerKeySha256: string | undefined;
  for (const der of chain.slice(1)) {
    try {
      const c = parseCertificate(der, 'peer chain certificate');
      if (c.subject.key === leaf.issuer.key) {
        issuerKeySha256 = createHash('sha256').update(c.spki).digest('hex');
        break;
      }
    } catch {
      // an unparseable chain member tells nothing about the leaf
    }
  }
  const aki = leaf.ext.authorityKeyId?.keyId;
  return {
    subject,
    subjectText: leaf.subject.text,
    issuerText: leaf.issuer.text,
    serial: leaf.serialHex,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    fingerprintSha256: leaf.fingerprint256,
    ...(aki ? { authorityKeyId: aki.toString('hex') } : {}),
    ...(issuerKeySha256 ? { issuerKeySha256 } : {}),
    chainLength: chain.length,
    pem: toPem('CERTIFICATE', leaf.der),
  };
}


interface Planned {
  address: string;
  source: TlsProbe['source'];
  nodeId?: string;
  hostname?: string;
}

/** Which addresses to dial: every manager's ManagerStatus.Addr, then the listed ones, each once. */
function plan(facts: Facts, listed: readonly string[]): Planned[] {
  const out = new Map<string, Planned>();
  if ('data' in facts.nodes && Array.isArray(facts.nodes.data)) {
    for (const n of facts.nodes.data) {
      const addr = n.ManagerStatus?.Addr;
      if (n.Spec?.Role !== 'manager' || typeof addr !== 'string' || !addr || out.has(addr)) continue;
      out.set(addr, { address: addr, source: 'manager', nodeId: n.ID, ...(n.Description?.Hostname ? { hostname: n.Description.Hostname } : {}) });
    }
  }
  for (const a of listed) {
    const hp = splitAddress(a);
    const addr = hp ? (hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`) : a;
    if (!out.has(addr)) out.set(addr, { address: addr, source: 'listed' });
  }
  return [...out.values()];
}

/**
 * Probe every manager (and listed address). Per-address failures are kept in
 * the probe (`error`); the fact is unavailable only when there is nothing to dial.
 */
export async function collectTls(facts: Facts, opts: CollectTlsOptions = {}): Promise<Fact<TlsProbe[]>> {
  const lim = defaults.audit.tlsProbe;
  const planned = plan(facts, opts.addresses ?? []);
  if (planned.length === 0) {
    const why = 'data' in facts.nodes ? '/nodes lists no manager addresses' : `/nodes is unavailable (${facts.nodes.unavailable})`;
    return { unavailable: `no swarm port to probe: ${why}; list managers with --tls-probe HOST:PORT` };
  }
  if (planned.length > lim.maxAddresses) {
    return { unavailable: `${planned.length} addresses to probe, more than the limit of ${lim.maxAddresses}` };
  }
  const connector = opts.connector ?? nodeTlsConnector;
  const timeoutMs = Math.min(opts.timeoutMs ?? lim.timeoutMs, lim.timeoutMs);
  const probes = await mapLimit(planned, opts.concurrency ?? lim.concurrency, async (p): Promise<TlsProbe> => {
    const base: TlsProbe = { address: p.address, source: p.source, ...(p.nodeId ? { nodeId: p.nodeId } : {}), ...(p.hostname ? { hostname: p.hostname } : {}) };
    const hp = splitAddress(p.address);
    if (!hp) return { ...base, error: `${JSON.stringify(p.address)} is not HOST:PORT` };
    let hs: TlsHandshake;
    try {
      hs = await connector(hp.host, hp.port, { timeoutMs, servername: lim.serverName });
    } catch (e) {
      return { ...base, error: `handshake failed: ${(e as Error).message}` };
    }
    if (hs.chain.length === 0) return { ...base, ...(hs.protocol ? { protocol: hs.protocol } : {}), error: 'the peer presented no certificate' };
    try {
      return { ...base, ...(hs.protocol ? { protocol: hs.protocol } : {}), cert: describePeerChain(hs.chain) };
    } catch (e) {
      return { ...base, error: `the presented certificate does not parse: ${(e as Error).message}` };
    }
  });
  return { data: probes };
}

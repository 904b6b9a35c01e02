/**
 * Fixtures for the cfssl sign API tests: a CA in a temp state dir, node
 * client certificates from it, SwarmKit-shaped sign requests and an HTTPS
 * client. Importing this module has no side effects.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { CertificateAuthority, type NodeRole } from '../../../src/ca/authority.js';
import { initCa } from '../../../src/ca/init.js';
import { fixedClock, systemClock, type Clock } from '../../../src/core/clock.js';
import { FileStore } from '../../../src/store/file-store.js';
import { makeCsr } from '../../helpers/csr.js';
import { tempDir } from '../../helpers/env.js';

export const PASS = Buffer.from('correct horse battery staple');
export const CLUSTER = 'abcdefghij0123456789klmno';
export const NODE = 'ymexksi6wa6vo90xmt95y0kmd';
export const OU: Record<NodeRole, string> = { manager: 'swarm-manager', worker: 'swarm-worker' };

export interface TestCa {
  dir: string;
  state: string;
  store: FileStore;
  ca: CertificateAuthority;
  rootPem: string;
  cleanup(): Promise<void>;
}

export async function makeCa(opts: { clock?: Clock; intermediate?: { cert: Uint8Array; key: Uint8Array; roots: Uint8Array } } = {}): Promise<TestCa> {
  const { dir, cleanup } = tempDir('sg-cfssl-');
  const state = path.join(dir, 'state');
  const store = new FileStore(state);
  const clock = opts.clock ?? systemClock;
  const { state: s } = await initCa(store, { passphrase: PASS, clusterId: 'ca-own-cluster', ...(opts.intermediate ? { intermediate: opts.intermediate } : {}) }, clock);
  const ca = await CertificateAuthority.open(store, { passphrase: PASS, clock });
  return {
    dir,
    state,
    store,
    ca,
    rootPem: s.trustRootPem,
    async cleanup() {
      await store.close();
      cleanup();
    },
  };
}

/** A node certificate and key from the CA, to present as a TLS client (what a swarm manager does). */
export async function nodeIdentity(ca: CertificateAuthority, role: NodeRole, nodeId = 'client-node', clusterId = CLUSTER): Promise<{ certPem: string; keyPem: string }> {
  const csr = makeCsr();
  const issued = await ca.issue({ csr: csr.der, role, nodeId, clusterId, via: 'test' });
  return { certPem: issued.chainPem, keyPem: csr.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** The JSON body SwarmKit's external CA client posts (spec 5.2), current Go encoding. */
export function swarmkitRequest(csrPem: string, o: { role?: NodeRole; nodeId?: string; clusterId?: string; hosts?: string[] } = {}): Record<string, unknown> {
  const role = o.role ?? 'manager';
  const nodeId = o.nodeId ?? NODE;
  const hosts = o.hosts ?? (role === 'manager' ? ['swarm-manager', nodeId, 'swarm-ca'] : ['swarm-worker', nodeId]);
  return {
    hosts,
    certificate_request: csrPem,
    subject: { CN: nodeId, names: [{ O: o.clusterId ?? CLUSTER, OU: OU[role] }], SerialNumber: '' },
    profile: '',
    crl_override: '',
    label: '',
    NotBefore: '0001-01-01T00:00:00Z',
    NotAfter: '0001-01-01T00:00:00Z',
    ReturnPrecert: false,
    metadata: null,
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface PostOptions {
  method?: string;
  path?: string;
  /** Trust for the server certificate. */
  ca?: string;
  client?: { certPem: string; keyPem: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One request on a fresh connection; resolves with the reply or rejects with the transport error. */
export function post(baseUrl: string, body: string | Uint8Array | undefined, o: PostOptions = {}): Promise<Reply> {
  const url = new URL(o.path ?? '/api/v1/cfssl/sign', baseUrl);
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: o.method ?? 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', ...(o.headers ?? {}) },
        ...(https ? { ca: o.ca, ...(o.client ? { cert: o.client.certPem, key: o.client.keyPem } : {}) } : {}),
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export { fixedClock };

/**
 * mTLS material straight from our CA, for services that run next to it and
 * for tests: a fresh P-256 key, a CSR for it, a node certificate issued and
 * logged like any other, the trust bundle (old + new roots during a
 * rotation), and the stored CRL when there is one.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { bitString, explicit, oid, seq, smallInt } from '../../core/der.js';
import { OID } from '../../core/oids.js';
import type { StateStore } from '../../store/state-store.js';
import { CertificateAuthority, ROLE_OU, type NodeRole } from '../authority.js';
import { readCrl } from '../crl.js';
import { openRevocations } from '../revocation-list.js';
import { requireCaState, trustBundle } from '../state.js';
import { revocationCheck } from './authorize.js';
import type { MtlsMaterial, MtlsPolicy, SwarmRole } from './types.js';

export interface MtlsFromCaOptions {
  nodeId: string;
  role: NodeRole | SwarmRole;
  /** O of the certificate; the CA's cluster ID by default. */
  clusterId?: string;
  expiryMs?: number;
  clock?: Clock;
}

export interface IssuedMtls extends MtlsMaterial {
  serialHex: string;
  notAfter: Date;
  clusterId: string;
}

const NODE_ROLE: Readonly<Record<NodeRole | SwarmRole, NodeRole>> = {
  manager: 'manager',
  worker: 'worker',
  'swarm-manager': 'manager',
  'swarm-worker': 'worker',
};

/** A PKCS#10 request with an empty subject (as SwarmKit's, spec 1.5): the CA sets the subject. */
function csrFor(key: ReturnType<typeof generateKeyPairSync>): Buffer {
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const info = seq(smallInt(0), seq(), spki, explicit(0));
  return seq(info, seq(oid(OID.ecdsaWithSHA256)), bitString(sign('sha256', info, key.privateKey)));
}

/** Issue a node certificate from the CA in `store` and return it as mTLS material. */
export async function mtlsFromCa(store: StateStore, passphrase: Uint8Array | undefined, opts: MtlsFromCaOptions): Promise<IssuedMtls> {
  const role = NODE_ROLE[opts.role];
  if (!role) throw new TypeError(`mtlsFromCa: role must be manager or worker, got ${String(opts.role)}`);
  const clock = opts.clock ?? systemClock;
  const revocations = await openRevocations(store);
  const ca = await CertificateAuthority.open(store, { passphrase, clock, isNodeBlocked: (id) => revocations.isNodeRevoked(id) });
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issued = await ca.issue({
    csr: csrFor(key),
    role,
    nodeId: opts.nodeId,
    via: 'mtls',
    ...(opts.clusterId !== undefined ? { clusterId: opts.clusterId } : {}),
    ...(opts.expiryMs !== undefined ? { expiryMs: opts.expiryMs } : {}),
  });
  const crl = await readCrl(store);
  return {
    certChainPem: issued.chainPem,
    keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    trustRootsPem: trustBundle(ca.state),
    ...(crl ? { crl: crl.pem } : {}),
    serialHex: issued.serialHex,
    notAfter: issued.notAfter,
    clusterId: opts.clusterId ?? ca.state.clusterId,
  };
}

/** The policy a service next to the CA enforces: this cluster, these roles, the CA's revocation records. */
export async function caPolicy(store: StateStore, allowedRoles: readonly SwarmRole[] = [ROLE_OU.manager as SwarmRole]): Promise<MtlsPolicy> {
  const [state, revocations] = await Promise.all([requireCaState(store), openRevocations(store)]);
  return { clusterId: state.clusterId, allowedRoles, isRevoked: revocationCheck(revocations) };
}

/**
 * `caStatus`: where the CA stands. Rotation stage, the roots (what nodes get
 * and what verifiers must trust), the signer and its chain, which live
 * certificates still come from an issuer other than the current signer
 * ("nodes still on the old root"), and the expiry horizon of all of it.
 *
 * `buildStatus` is the pure part over material already loaded.
 */
import { defaults } from '../defaults.js';
import { X509Certificate, createHash } from 'node:crypto';
import type { StateStore } from '../store/state-store.js';
import { subjectKeyId } from '../core/keys.js';
import { certFields } from '../core/certfields.js';
import { certsOf, summarizeCert, type CertSummary } from './describe.js';
import { normalizeSerial, openRevocations, type Revocations } from './revocation-list.js';
import { readIssued, requireCaState, trustBundle, type CaState, type IssuedRecord } from './state.js';

export type CaStage = 'idle' | 'cross-signed' | 'switched';

export interface StatusOptions {
  /** How many of the soonest-expiring live certificates to list in the horizon (default 5). */
  soonest?: number;
}

/** An issued certificate still in use that matters for a rotation or renewal. */
export interface LiveCertificate {
  serial: string;
  profile: string;
  nodeId?: string;
  role?: string;
  subject?: string;
  notAfter: string;
  expiresInDays: number;
  issuerSki: string;
}

export interface HorizonItem {
  kind: 'root' | 'signer' | 'chain' | 'retired-root' | 'certificate';
  label: string;
  notAfter: string;
  expiresInDays: number;
}

export interface CertificateCounts {
  /** Records in the issuance log. */
  issued: number;
  /** The newest certificate of each identity, not expired, not revoked. */
  live: number;
  expired: number;
  revoked: number;
  /** Older certificates of an identity that has a newer one (renewed). */
  superseded: number;
}

export interface CaStatus {
  clusterId: string;
  mode: CaState['mode'];
  stage: CaStage;
  rotation?: {
    startedAt: string;
    switchedAt?: string;
    oldRoot: CertSummary;
    newRoot: CertSummary;
    crossSigned: CertSummary;
  };
  /** What nodes receive (swarm-root-ca.crt) and its digest, which join tokens carry (spec 1.2). */
  trustRoot: { digest: string; certs: CertSummary[] };
  /** What mTLS verifiers must trust now: old + new roots during a rotation. */
  trustBundle: CertSummary[];
  signer: CertSummary & { ski: string; hasKey: boolean; chain: CertSummary[] };
  retiredRoots: Array<CertSummary & { retiredAt: string }>;
  certificates: CertificateCounts;
  /** Live certificates whose issuer is not the current signer: the nodes that still have to renew. */
  onOldIssuer: LiveCertificate[];
  horizon: { items: HorizonItem[]; expiredCertificates: number };
  at: string;
}

/** The identity a renewal keeps: node ID, else subject and profile, else the serial itself. */
function identityOf(r: IssuedRecord): string {
  if (r.nodeId !== undefined) return `node:${r.nodeId}`;
  if (r.subject !== undefined) return `subject:${r.profile}:${r.subject}`;
  return `serial:${normalizeSerial(r.serial)}`;
}

export interface LiveSet {
  live: IssuedRecord[];
  counts: CertificateCounts;
}

/**
 * Sort the issuance log into live certificates (the newest per identity,
 * unexpired, unrevoked) and counts of the rest. A revoked node ID makes all
 * its certificates revoked (SwarmKit's blacklist, spec 8.3).
 */
export function liveCertificates(records: IssuedRecord[], revocations: Revocations, now: Date): LiveSet {
  const newest = new Map<string, IssuedRecord>();
  for (const r of records) {
    const k = identityOf(r);
    const prev = newest.get(k);
    if (!prev || Date.parse(r.issuedAt) >= Date.parse(prev.issuedAt)) newest.set(k, r);
  }
  const latest = new Set(newest.values());
  const counts: CertificateCounts = { issued: records.length, live: 0, expired: 0, revoked: 0, superseded: 0 };
  const live: IssuedRecord[] = [];
  for (const r of records) {
    if (revocations.isSerialRevoked(r.serial) || (r.nodeId !== undefined && revocations.isNodeRevoked(r.nodeId))) counts.revoked++;
    else if (Date.parse(r.notAfter) <= now.getTime()) counts.expired++;
    else if (!latest.has(r)) counts.superseded++;
    else live.push(r);
  }
  counts.live = live.length;
  return { live, counts };
}

/** The current signer's SKI as the issuance log records it (SHA-1 of its key). */
export function signerSkiHex(state: CaState): string {
  return subjectKeyId(certFields(certsOf(state.signer.certPem)[0]!).spki).toString('hex');
}

/** Live certificates not issued by the current signer. */
export function onOldIssuer(live: IssuedRecord[], signerSki: string, now: Date): LiveCertificate[] {
  return live.filter((r) => r.issuerSki.toLowerCase() !== signerSki.toLowerCase()).map((r) => liveView(r, now));
}

function liveView(r: IssuedRecord, now: Date): LiveCertificate {
  return {
    serial: r.serial,
    profile: r.profile,
    ...(r.nodeId !== undefined ? { nodeId: r.nodeId } : {}),
    ...(r.role !== undefined ? { role: r.role } : {}),
    ...(r.subject !== undefined ? { subject: r.subject } : {}),
    notAfter: r.notAfter,
    expiresInDays: days(Date.parse(r.notAfter), now),
    issuerSki: r.issuerSki,
  };
}

const days = (t: number, now: Date): number => Math.floor((t - now.getTime()) / 86_400_000);
const fingerprint = (der: Buffer): string => createHash('sha256').update(der).digest('hex');

export interface RootsView {
  stage: CaStage;
  rotation?: CaStatus['rotation'];
  trustRoot: CaStatus['trustRoot'];
  trustBundle: CertSummary[];
  signer: CaStatus['signer'];
  retiredRoots: CaStatus['retiredRoots'];
}

/** The roots, signer and rotation of a state, summarised at `now` (no issuance log needed). */
export function rootsView(state: CaState, now: Date): RootsView {
  const sum = (der: Buffer): CertSummary => summarizeCert(der, now);
  const rot = state.rotation;
  return {
    stage: rot?.stage ?? 'idle',
    ...(rot
      ? {
          rotation: {
            startedAt: rot.startedAt,
            ...(rot.switchedAt ? { switchedAt: rot.switchedAt } : {}),
            oldRoot: sum(certsOf(rot.oldRoot.certPem)[0]!),
            newRoot: sum(certsOf(rot.newRoot.certPem)[0]!),
            crossSigned: sum(certsOf(rot.crossSignedPem)[0]!),
          },
        }
      : {}),
    trustRoot: { digest: 'sha256:' + createHash('sha256').update(state.trustRootPem, 'utf8').digest('hex'), certs: certsOf(state.trustRootPem).map(sum) },
    trustBundle: certsOf(trustBundle(state)).map(sum),
    signer: {
      ...sum(certsOf(state.signer.certPem)[0]!),
      ski: signerSkiHex(state),
      hasKey: state.signer.keyRef !== undefined,
      chain: state.signer.chainPems.flatMap((p) => certsOf(p)).map(sum),
    },
    retiredRoots: state.retiredRoots.map((r) => ({ ...sum(certsOf(r.certPem)[0]!), retiredAt: r.retiredAt })),
  };
}

export function buildStatus(state: CaState, records: IssuedRecord[], revocations: Revocations, now: Date, opts: StatusOptions = {}): CaStatus {
  const soonest = opts.soonest ?? defaults.ca.statusSoonest;
  const rot = state.rotation;
  const view = rootsView(state, now);
  const { live, counts } = liveCertificates(records, revocations, now);

  const items: HorizonItem[] = [];
  const seen = new Set<string>();
  const add = (kind: HorizonItem['kind'], label: string, der: Buffer): void => {
    const fp = fingerprint(der);
    if (seen.has(fp)) return;
    seen.add(fp);
    const c = new X509Certificate(der);
    const t = Date.parse(c.validTo);
    items.push({ kind, label: `${label} ${c.subject.replace(/\n/g, ', ')} (serial ${c.serialNumber.toLowerCase()})`, notAfter: new Date(t).toISOString(), expiresInDays: days(t, now) });
  };
  const rootLabel = (der: Buffer): string => {
    if (!rot) return 'root';
    if (der.equals(certsOf(rot.oldRoot.certPem)[0]!)) return 'old root';
    if (der.equals(certsOf(rot.newRoot.certPem)[0]!)) return 'new root';
    return 'root';
  };
  for (const d of certsOf(trustBundle(state))) add('root', rootLabel(d), d);
  add('signer', 'signer', certsOf(state.signer.certPem)[0]!);
  for (const d of state.signer.chainPems.flatMap((p) => certsOf(p))) add('chain', rot && d.equals(certsOf(rot.crossSignedPem)[0]!) ? 'cross-signed' : 'chain', d);
  const byExpiry = [...live].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
  for (const r of byExpiry.slice(0, soonest)) {
    items.push({
      kind: 'certificate',
      label: `${r.nodeId !== undefined ? `node ${r.nodeId}${r.role ? ` (${r.role})` : ''}` : (r.subject ?? r.profile)} serial ${r.serial}`,
      notAfter: r.notAfter,
      expiresInDays: days(Date.parse(r.notAfter), now),
    });
  }
  items.sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));

  return {
    clusterId: state.clusterId,
    mode: state.mode,
    ...view,
    certificates: counts,
    onOldIssuer: onOldIssuer(live, view.signer.ski, now),
    horizon: { items, expiredCertificates: counts.expired },
    at: now.toISOString(),
  };
}

/** Read state, issuance log and revocations from the store, then build the status at `now`. */
export async function caStatus(store: StateStore, now: Date, opts: StatusOptions = {}): Promise<CaStatus> {
  const state = await requireCaState(store);
  const [records, revocations] = await Promise.all([readIssued(store), openRevocations(store)]);
  return buildStatus(state, records, revocations, now, opts);
}

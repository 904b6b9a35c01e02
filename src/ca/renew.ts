/**
 * Renewal: when a certificate is due (spec 3), and `renewCertificate`, which
 * reissues a certificate this CA issued with the same identity. Renewal and
 * rekey are one code path (as in smallstep): the key comes from a new CSR
 * when one is given (rekey), else from the current certificate (renew).
 */
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError, VerificationError } from '../errors.js';
import type { Clock } from '../core/clock.js';
import { certFields } from '../core/certfields.js';
import { Tag, children, contentOf, decodeOid, readTlv } from '../core/der.js';
import { keyInfo } from '../core/keys.js';
import { OID } from '../core/oids.js';
import { derObjects } from '../core/pem.js';
import type { StateStore } from '../store/state-store.js';
import { CertificateAuthority, type NodeRole } from './authority.js';
import { certificateExtensions } from './cross-sign.js';
import { readCsr, type ParsedCsr } from './csr.js';
import { certsOf } from './describe.js';
import type { IssuedCertificate } from './issue.js';
import type { SubjectAttr } from './profiles.js';
import { normalizeSerial, openRevocations, type Revocations } from './revocation-list.js';
import { readIssued, requireCaState, trustBundle, type CaState, type IssuedRecord } from './state.js';

const MINUTE = 60_000;

/**
 * Spec 3 (swarmkit TLSRenewer): renew at NotBefore + U minutes, U uniform in
 * whole minutes over [⌊0.5·D⌋, ⌊0.8·D⌋), D the lifetime in minutes (Go takes
 * the fraction of D from a float, so a part minute counts). When the range is
 * empty, U = ⌊0.5·D⌋. `random` returns a value in [0, 1), like Math.random.
 */
export function renewalTime(notBefore: Date, notAfter: Date, random: () => number): Date {
  const [lowFraction, highFraction] = defaults.ca.renewWindow;
  const minutes = (notAfter.getTime() - notBefore.getTime()) / MINUTE;
  const lo = Math.floor(minutes * lowFraction);
  const hi = Math.floor(minutes * highFraction);
  let u = lo;
  if (hi - lo >= 1) {
    const r = random();
    if (!(r >= 0 && r < 1)) throw new TypeError(`renewalTime: random() must return a number in [0, 1), got ${r}`);
    u = lo + Math.floor(r * (hi - lo));
  }
  return new Date(notBefore.getTime() + u * MINUTE);
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface RenewalDecision {
  action: 'wait' | 'renew' | 'expired';
  /** When renewal is due (wait/renew), or when the certificate expired. */
  at: Date;
  reason: string;
}

function validityOf(cert: X509Certificate | Validity): Validity {
  if (cert instanceof X509Certificate) return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
  return cert;
}

/**
 * What to do with a certificate at `now`. An expired certificate is
 * reported as expired: it can no longer authenticate a renewal, and it is
 * never renewed silently.
 */
export function renewalDecision(cert: X509Certificate | Validity, now: Date, random: () => number): RenewalDecision {
  const { notBefore, notAfter } = validityOf(cert);
  if (now.getTime() >= notAfter.getTime()) {
    return { action: 'expired', at: notAfter, reason: `expired at ${notAfter.toISOString()}` };
  }
  const at = renewalTime(notBefore, notAfter, random);
  if (now.getTime() >= at.getTime()) return { action: 'renew', at, reason: `renewal was due at ${at.toISOString()}` };
  return { action: 'wait', at, reason: `not due until ${at.toISOString()} (a random point in 50–80 % of its life)` };
}

/**
 * A `random` for renewalDecision that is fixed per certificate (from a hash
 * of its DER), so the due time a CLI reports does not change between runs:
 * re-running cannot "roll" an earlier renewal.
 */
export function certRandom(certDer: Uint8Array): () => number {
  const h = createHash('sha256').update(certDer).digest();
  const r = h.readUIntBE(0, 6) / 2 ** 48;
  return () => r;
}

// ------------------------------------------------------------------ renewCertificate

export interface RenewRequest {
  /** The current certificate: PEM (the first certificate is the leaf) or DER. */
  cert: Uint8Array;
  /** A CSR with the key to certify instead (rekey). */
  csr?: Uint8Array;
  /** Renew although not yet due. */
  force?: boolean;
  /** Lifetime of the new certificate; default: the current certificate's. */
  expiryMs?: number;
}

export interface RenewDeps {
  clock: Clock;
  /** Asked only when a certificate is actually reissued. */
  passphrase: () => Promise<Uint8Array | undefined>;
  /** Default: certRandom of the certificate. */
  random?: () => number;
}

export type RenewOutcome =
  | { renewed: false; previous: IssuedRecord; decision: RenewalDecision }
  | { renewed: true; rekeyed: boolean; previous: IssuedRecord; decision: RenewalDecision; issued: IssuedCertificate };

export interface RenewalCheck {
  leaf: X509Certificate;
  record: IssuedRecord;
  decision: RenewalDecision;
}

/**
 * The checks before a renewal, pure: the certificate was issued by this CA
 * (its serial is in the issuance log and it verifies under a certificate we
 * sign or trust now), it is not revoked, and not expired.
 */
export function checkRenewal(certInput: Uint8Array, state: CaState, records: IssuedRecord[], revocations: Revocations, now: Date, random?: () => number): RenewalCheck {
  const ders = derObjects(certInput, ['CERTIFICATE'], 'certificate to renew');
  const leafDer = ders[0]!;
  let leaf: X509Certificate;
  try {
    certFields(leafDer, 'certificate to renew');
    leaf = new X509Certificate(leafDer);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('ERR_CA_RENEW_INPUT', 'the certificate to renew is not a readable X.509 certificate', { cause: e });
  }
  const serial = normalizeSerial(leaf.serialNumber);
  const record = [...records].reverse().find((r) => normalizeSerial(r.serial) === serial);
  if (!record) {
    throw new VerificationError('ERR_CA_CERT_UNKNOWN', `certificate serial ${serial} is not in this CA's issuance log; only certificates this CA issued can be renewed (use swarmguard ca issue for others)`);
  }
  const issuers = [state.signer.certPem, ...state.signer.chainPems, trustBundle(state)].flatMap((p) => certsOf(p)).map((d) => new X509Certificate(d));
  if (!issuers.some((i) => leaf.checkIssued(i) && leaf.verify(i.publicKey))) {
    throw new VerificationError(
      'ERR_CA_CERT_NOT_OURS',
      `certificate serial ${serial} does not verify under this CA's current signer or trusted roots (issued by a retired or discarded root?); issue a new one with swarmguard ca issue`,
    );
  }
  const who = record.nodeId !== undefined ? `node ${record.nodeId}` : (record.subject ?? record.profile);
  if (revocations.isSerialRevoked(serial) || (record.nodeId !== undefined && revocations.isNodeRevoked(record.nodeId))) {
    throw new VerificationError('ERR_CA_CERT_REVOKED', `certificate serial ${serial} (${who}) is revoked; a revoked certificate is never renewed`);
  }
  const decision = renewalDecision(leaf, now, random ?? certRandom(leafDer));
  if (decision.action === 'expired') {
    const hint =
      record.nodeId !== undefined && record.role
        ? `swarmguard ca issue --csr NEW.csr --node-id ${record.nodeId} --role ${record.role}`
        : `swarmguard ca issue --csr NEW.csr --profile ${record.profile}`;
    throw new VerificationError('ERR_CA_CERT_EXPIRED', `certificate serial ${serial} (${who}) expired at ${decision.at.toISOString()}; an expired certificate cannot be renewed: issue a new one with ${hint}`, {
      details: { serial, expiredAt: decision.at.toISOString() },
    });
  }
  return { leaf, record, decision };
}

/** Renew (or rekey) one certificate this CA issued, keeping its profile and identity. */
export async function renewCertificate(store: StateStore, req: RenewRequest, deps: RenewDeps): Promise<RenewOutcome> {
  const now = deps.clock.now();
  const state = await requireCaState(store);
  const [records, revocations] = await Promise.all([readIssued(store), openRevocations(store)]);
  const { leaf, record, decision } = checkRenewal(req.cert, state, records, revocations, now, deps.random);
  if (decision.action === 'wait' && !req.force) return { renewed: false, previous: record, decision };

  // only the key comes from a CSR; the subject stays the certificate's (profiles that copy a CSR subject)
  const csr = { ...(req.csr ? readCsr(req.csr) : csrFromCertificate(leaf)), subjectDer: certFields(leaf.raw).subjectDer };
  const rekeyed = !csr.spki.equals(certFields(leaf.raw).spki);
  const passphrase = await deps.passphrase();
  const ca = await CertificateAuthority.open(store, { passphrase, clock: { now: () => now }, isNodeBlocked: (id) => revocations.isNodeRevoked(id) });
  const profile = ca.profile(record.profile);
  const lifetime = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom) - (profile.notAfterFrom === 'now' ? profile.backdateMs : 0);
  const role = record.role === 'manager' || record.role === 'worker' ? (record.role as NodeRole) : undefined;
  const issued = await ca.issue({
    csr,
    profile: profile.name,
    ...(role ? { role } : {}),
    ...(record.nodeId !== undefined ? { nodeId: record.nodeId } : {}),
    ...(record.clusterId !== undefined ? { clusterId: record.clusterId } : {}),
    ...(profile.subject === 'request' ? { subject: subjectOf(leaf) } : {}),
    ...(profile.sans === 'request' ? { hosts: hostsOf(leaf) } : {}),
    expiryMs: req.expiryMs ?? lifetime,
    via: 'renew',
  });
  return { renewed: true, rekeyed, previous: record, decision, issued };
}

/** Renewing the same key: the certificate stands in for a CSR (its key was bound by our signature). */
function csrFromCertificate(leaf: X509Certificate): ParsedCsr {
  const f = certFields(leaf.raw);
  const publicKey = createPublicKey({ key: f.spki, format: 'der', type: 'spki' });
  return { der: Buffer.alloc(0), subjectDer: f.subjectDer, spki: f.spki, publicKey, key: keyInfo(publicKey), signatureAlgorithm: 'certificate' };
}

const ATTR_BY_OID: Record<string, SubjectAttr> = {
  [OID.country]: 'C',
  [OID.province]: 'ST',
  [OID.locality]: 'L',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.commonName]: 'CN',
  [OID.serialNumber]: 'serialNumber',
};

const STRING_TAGS = new Set<number>([Tag.PRINTABLE_STRING, Tag.UTF8_STRING, Tag.IA5_STRING]);

/** The subject of a certificate as profile attributes, in order. */
function subjectOf(leaf: X509Certificate): Array<[SubjectAttr, string]> {
  const name = certFields(leaf.raw).subjectDer;
  const out: Array<[SubjectAttr, string]> = [];
  for (const rdn of children(name, readTlv(name, 0), 'subject')) {
    for (const atv of children(name, rdn, 'subject')) {
      const [oidT, valT] = children(name, atv, 'subject', 2);
      const attr = ATTR_BY_OID[decodeOid(contentOf(name, oidT!))];
      if (!attr || !valT || !STRING_TAGS.has(valT.tag)) {
        throw new InputError('ERR_CA_RENEW_INPUT', 'the certificate subject has an attribute this CA does not issue; issue a new certificate with swarmguard ca issue');
      }
      out.push([attr, contentOf(name, valT).toString(valT.tag === Tag.UTF8_STRING ? 'utf8' : 'latin1')]);
    }
  }
  return out;
}

/** DNS names and IP addresses of the SAN extension, in order. */
function hostsOf(leaf: X509Certificate): string[] {
  const ext = certificateExtensions(leaf.raw, 'certificate to renew').find((e) => e.oid === OID.subjectAltName);
  if (!ext) return [];
  const out: string[] = [];
  for (const gn of children(ext.value, readTlv(ext.value, 0), 'subjectAltName')) {
    const v = contentOf(ext.value, gn);
    if (gn.tag === 0x82) out.push(v.toString('latin1'));
    else if (gn.tag === 0x87 && v.length === 4) out.push([...v].join('.'));
    else if (gn.tag === 0x87 && v.length === 16) out.push(Array.from({ length: 8 }, (_, i) => v.readUInt16BE(i * 2).toString(16)).join(':'));
    else throw new InputError('ERR_CA_RENEW_INPUT', 'the certificate has a subject alternative name other than a DNS name or IP address; issue a new certificate with swarmguard ca issue');
  }
  return out;
}

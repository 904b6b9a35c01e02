/**
 * SW-05 (CIS 7.7 done properly): the node certificate each manager presents
 * on its swarm port (facts.tls, from collect-tls.ts). Expiry horizons, renewal
 * that stopped (issued longer ago than NodeCertExpiry), and identity: CN = the
 * node ID, O = the cluster ID, OU = swarm-manager (swarmkit spec 2.2), signed
 * by the cluster's issuer key (/swarm TLSInfo).
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { defaults } from '../../defaults.js';
import type { Facts, SwarmNode } from '../snapshot.js';
import type { TlsProbe } from '../tls-facts.js';
import type { Outcome, RuleKind, Severity, Target } from '../types.js';
import { CLUSTER } from '../types.js';
import { HORIZON_SCHEMA, nodeCertExpiry } from './node-cert-expiry.js';
import { unknown } from './util.js';

interface Params {
  /** notAfter closer than this: high. */
  highDays: number;
  /** notAfter closer than this: medium. */
  mediumDays: number;
}

const DAY_MS = 86_400_000;
const days = (ms: number): string => (Math.abs(ms) >= DAY_MS ? `${Math.floor(ms / DAY_MS)} days` : `${Math.round(ms / 3_600_000)} hours`);

interface Issuer {
  key?: KeyObject;
  /** Why the issuer key could not be read, when it could not. */
  why?: string;
  subjectText?: string;
}

/** The cluster's issuer key: TLSInfo.CertIssuerPublicKey (base64 SPKI DER), else the TrustRoot's key. */
function clusterIssuer(facts: Facts): Issuer {
  if (!('data' in facts.swarm)) return { why: `/swarm is unavailable (${facts.swarm.unavailable})` };
  const t = facts.swarm.data.TLSInfo;
  let subjectText: string | undefined;
  let rootKey: KeyObject | undefined;
  try {
    if (t?.TrustRoot) {
      const root = new X509Certificate(t.TrustRoot);
      subjectText = root.subject;
      rootKey = root.publicKey;
    }
  } catch {
    // fall through to CertIssuerPublicKey
  }
  try {
    if (t?.CertIssuerPublicKey) return { key: createPublicKey({ key: Buffer.from(t.CertIssuerPublicKey, 'base64'), format: 'der', type: 'spki' }), ...(subjectText ? { subjectText } : {}) };
  } catch {
    // fall through to the root's key
  }
  if (rootKey) return { key: rootKey, ...(subjectText ? { subjectText } : {}) };
  return { why: '/swarm has no readable TLSInfo (CertIssuerPublicKey or TrustRoot)' };
}

function targetOf(p: TlsProbe): Target {
  return p.nodeId ? { kind: 'node', id: p.nodeId, ...(p.hostname ? { name: p.hostname } : {}) } : { kind: 'node', id: p.address };
}

function worst(a: Severity, b: Severity): Severity {
  return defaults.audit.severities.indexOf(a) <= defaults.audit.severities.indexOf(b) ? a : b;
}

export const nodeCert: RuleKind<Params> = {
  kind: 'node-cert',
  describe:
    'for each manager swarm port probed over TLS, and for this node\'s own swarm-node.crt when the audit runs on the node: fails when the node certificate expires within `highDays` (high) or `mediumDays` (medium), was issued longer ago than NodeCertExpiry (renewal failing: high), names another node, cluster or role, or was not signed by the cluster issuer key (high); a manager that could not be probed is unknown',
  paramsSchema: HORIZON_SCHEMA,
  evaluate(facts, p, now) {
    // The node's own swarm-node.crt, when the audit ran on the node (host facts): the same horizons, from the file.
    const local = facts.host && 'data' in facts.host ? nodeCertExpiry.evaluate(facts, p, now) : [];
    return [...evaluateProbes(facts, p, now), ...local];
  },
};

function evaluateProbes(facts: Facts, p: Params, now: Date): Outcome[] {
  {
    if (!facts.tls) return [unknown(CLUSTER, 'manager TLS was not probed (no tls facts in this snapshot)')];
    if (!('data' in facts.tls)) return [unknown(CLUSTER, `manager TLS facts are unavailable: ${facts.tls.unavailable}`)];
    const probes = facts.tls.data;
    const clusterId = 'data' in facts.swarm ? facts.swarm.data.ID : undefined;
    const expiryNs = 'data' in facts.swarm ? facts.swarm.data.Spec?.CAConfig?.NodeCertExpiry : undefined;
    const expiryMs = typeof expiryNs === 'number' && expiryNs > 0 ? expiryNs / 1e6 : undefined;
    const issuer = clusterIssuer(facts);
    const out: Outcome[] = [];

    // A manager in /nodes that was not probed at all is unknown, never a pass.
    if ('data' in facts.nodes) {
      const probed = new Set(probes.map((x) => x.nodeId).filter(Boolean));
      for (const n of facts.nodes.data as SwarmNode[]) {
        if (n.Spec?.Role === 'manager' && !probed.has(n.ID)) {
          out.push(unknown({ kind: 'node', id: n.ID, ...(n.Description?.Hostname ? { name: n.Description.Hostname } : {}) }, 'manager was not probed (no ManagerStatus.Addr)'));
        }
      }
    }

    for (const probe of probes) {
      const target = targetOf(probe);
      const c = probe.cert;
      if (!c) {
        out.push(unknown(target, `${probe.address}: ${probe.error ?? 'no certificate'}`));
        continue;
      }
      const problems: Array<[Severity, string]> = [];
      const notAfter = Date.parse(c.notAfter);
      const notBefore = Date.parse(c.notBefore);
      const left = notAfter - now.getTime();
      if (left <= 0) problems.push(['high', `expired ${days(-left)} ago (${c.notAfter})`]);
      else if (left < p.highDays * DAY_MS) problems.push(['high', `expires in ${days(left)} (${c.notAfter})`]);
      else if (left < p.mediumDays * DAY_MS) problems.push(['medium', `expires in ${days(left)} (${c.notAfter})`]);
      if (expiryMs !== undefined) {
        const age = now.getTime() - notBefore;
        const lifetime = notAfter - notBefore;
        // SwarmKit renews at 50-80 % of the certificate's own lifetime (swarmkit spec 1.5): older than
        // NodeCertExpiry means renewal has stopped. A lowered expiry does not shorten certificates already
        // issued, so those get until 80 % of their own lifetime.
        const limit = Math.max(expiryMs, 0.8 * lifetime) + defaults.ca.nodeCertBackdateMs;
        if (age > limit) problems.push(['high', `issued ${days(age)} ago, longer than NodeCertExpiry (${days(expiryMs)}): renewal is failing`]);
        if (lifetime > expiryMs + 2 * defaults.ca.nodeCertBackdateMs) problems.push(['low', `lifetime ${days(lifetime)} exceeds NodeCertExpiry (${days(expiryMs)}); it was issued before the expiry was lowered and is replaced at its next renewal`]);
      }
      if (probe.nodeId && c.subject.CN !== probe.nodeId) problems.push(['high', `presents CN=${c.subject.CN ?? '(none)'}, not its node ID ${probe.nodeId}`]);
      if (clusterId && c.subject.O !== clusterId) problems.push(['high', `presents O=${c.subject.O ?? '(none)'}, not the cluster ID ${clusterId}`]);
      if (c.subject.OU !== 'swarm-manager') problems.push(['high', `presents OU=${c.subject.OU ?? '(none)'}, not swarm-manager`]);
      let issuerNote = '';
      if (issuer.key) {
        let signed = false;
        try {
          signed = new X509Certificate(c.pem).verify(issuer.key);
        } catch {
          signed = false;
        }
        if (!signed) problems.push(['high', `not signed by the cluster's issuer key (issuer ${c.issuerText}${issuer.subjectText ? `; cluster root ${issuer.subjectText.replace(/\n/g, ', ')}` : ''})`]);
      } else issuerNote = `; issuer not checked: ${issuer.why}`;
      if (problems.length) {
        const sev = problems.map((x) => x[0]).reduce(worst);
        out.push({ status: 'fail', severity: sev, target, message: `${probe.address}: ${problems.map((x) => x[1]).join('; ')}` });
      } else {
        out.push({ status: 'pass', target, message: `${probe.address}: node certificate CN=${c.subject.CN}, expires in ${days(left)} (${c.notAfter})${issuerNote}` });
      }
    }
    return out.length ? out : [unknown(CLUSTER, 'no manager address was probed')];
  }
}

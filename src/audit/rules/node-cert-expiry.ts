/**
 * `node-cert-expiry`: SW-05 from the host, the node's own
 * `<data-root>/swarm/certificates/swarm-node.crt`: near expiry, or issued
 * longer ago than the cluster's NodeCertExpiry (renewal is failing).
 */
import type { Outcome, RuleKind } from '../types.js';
import { defaults } from '../../defaults.js';
import { HOST_ENGINE, hostOr, unknownHost } from './host-util.js';
import { daysBetween } from './util.js';

interface Params {
  highDays: number;
  mediumDays: number;
}

/** `highDays` / `mediumDays`: the expiry horizons SW-05 uses for a node certificate, from a file or a TLS probe. */
export const HORIZON_SCHEMA = {
  type: 'object',
  required: ['highDays', 'mediumDays'],
  additionalProperties: false,
  properties: { highDays: { type: 'number', minimum: 0 }, mediumDays: { type: 'number', minimum: 0 } },
} as const;


export const nodeCertExpiry: RuleKind<Params> = {
  kind: 'node-cert-expiry',
  describe: "fails when this node's swarm certificate expires within `highDays` (high) or `mediumDays` (medium), or was issued longer ago than the cluster's NodeCertExpiry (high: renewal failing)",
  paramsSchema: HORIZON_SCHEMA,
  evaluate(facts, p, now) {
    const h = hostOr(facts);
    if ('why' in h) return unknownHost(HOST_ENGINE, h.why);
    const s = h.data.swarm;
    if (!s.dir.exists) return [{ status: 'pass', target: HOST_ENGINE, message: `no swarm state at ${s.dir.path}: not a swarm node` }];
    const c = s.nodeCert;
    if (!c) return unknownHost(HOST_ENGINE, `no node certificate under ${s.dir.path}/certificates`);
    const target = { kind: 'file' as const, id: c.path };
    if ('unavailable' in c) return [{ status: 'unknown', target, message: `cannot read ${c.path}: ${c.unavailable}` }];
    const left = daysBetween(now, new Date(c.notAfter));
    const who = `${c.subject.OU ?? 'node'} ${c.subject.CN ?? ''}`.trim();
    const base = `${who} certificate valid ${c.notBefore} to ${c.notAfter}`;
    if (left <= 0) return [{ status: 'fail', severity: 'critical', target, message: `${base}: expired` }];
    if (left < p.highDays) return [{ status: 'fail', severity: 'high', target, message: `${base}: ${left.toFixed(1)} days left` }];
    const expiryNs = 'data' in facts.swarm ? facts.swarm.data.Spec?.CAConfig?.NodeCertExpiry : undefined;
    if (typeof expiryNs === 'number' && now.getTime() - Date.parse(c.notBefore) > expiryNs / 1e6 + defaults.ca.nodeCertBackdateMs) {
      return [{ status: 'fail', severity: 'high', target, message: `${base}: issued longer ago than NodeCertExpiry (${expiryNs / 1e9 / 3600} h); renewal is failing` }];
    }
    const out: Outcome = left < p.mediumDays ? { status: 'fail', severity: 'medium', target, message: `${base}: ${left.toFixed(1)} days left` } : { status: 'pass', target, message: `${base}: ${left.toFixed(0)} days left` };
    return [out];
  },
};

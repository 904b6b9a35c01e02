/** SW-07: the cluster root CA's remaining life, from /swarm.TLSInfo.TrustRoot (critical and high horizons). */
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { trustRoot } from './trust-root.js';
import { daysBetween, unknown } from './util.js';

interface Params {
  criticalDays: number;
  highDays: number;
}

export const caExpiry: RuleKind<Params> = {
  kind: 'ca-expiry',
  describe: 'fails when the root CA expires within `highDays` (high) or `criticalDays` (critical)',
  paramsSchema: {
    type: 'object',
    required: ['criticalDays', 'highDays'],
    additionalProperties: false,
    properties: { criticalDays: { type: 'number', minimum: 0 }, highDays: { type: 'number', minimum: 0 } },
  },
  evaluate(facts, p, now) {
    const r = trustRoot(facts);
    if ('why' in r) return [unknown(CLUSTER, r.why)];
    const left = -daysBetween(r.cert.validTo, now);
    const msg = `root CA expires in ${Math.floor(left)} days (${r.cert.validTo})`;
    if (left < p.criticalDays) return [{ status: 'fail', severity: 'critical', target: CLUSTER, message: `${msg}; rotate it now (docker swarm ca --rotate)` }];
    if (left < p.highDays) return [{ status: 'fail', severity: 'high', target: CLUSTER, message: `${msg}; plan the rotation` }];
    return [{ status: 'pass', target: CLUSTER, message: msg }];
  },
};

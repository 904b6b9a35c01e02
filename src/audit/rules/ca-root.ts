/** CIS 7.8 / SW-07 / SW-08: the cluster root CA's age, remaining life and rotation state, from /swarm.TLSInfo.TrustRoot. */
import { X509Certificate } from 'node:crypto';
import type { RuleKind } from '../types.js';
import { CLUSTER } from '../types.js';
import { unknown } from './util.js';

interface Params {
  maxAgeDays: number;
  minRemainingDays: number;
}

const DAY_MS = 86_400_000;

export const caRoot: RuleKind<Params> = {
  kind: 'ca-root',
  describe: 'fails when the root CA is older than `maxAgeDays`, expires within `minRemainingDays`, or a root rotation is in progress',
  paramsSchema: {
    type: 'object',
    required: ['maxAgeDays', 'minRemainingDays'],
    additionalProperties: false,
    properties: { maxAgeDays: { type: 'number', exclusiveMinimum: 0 }, minRemainingDays: { type: 'number', minimum: 0 } },
  },
  evaluate(facts, p, now) {
    if (!('data' in facts.swarm)) return [unknown(CLUSTER, `/swarm is unavailable: ${facts.swarm.unavailable}`)];
    const pem = facts.swarm.data.TLSInfo?.TrustRoot;
    if (!pem) return [unknown(CLUSTER, '/swarm has no TLSInfo.TrustRoot')];
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch (e) {
      return [unknown(CLUSTER, `TLSInfo.TrustRoot does not parse as X.509: ${(e as Error).message}`)];
    }
    const age = (now.getTime() - Date.parse(cert.validFrom)) / DAY_MS;
    const left = (Date.parse(cert.validTo) - now.getTime()) / DAY_MS;
    if (left < p.minRemainingDays) return [{ status: 'fail', severity: left < 30 ? 'critical' : 'high', target: CLUSTER, message: `root CA expires in ${Math.floor(left)} days (${cert.validTo}); rotate it` }];
    if (facts.swarm.data.RootRotationInProgress) return [{ status: 'fail', severity: 'medium', target: CLUSTER, message: 'a root CA rotation is in progress; nodes still on the old issuer block it' }];
    if (age > p.maxAgeDays) return [{ status: 'fail', target: CLUSTER, message: `root CA is ${Math.floor(age)} days old (policy ${p.maxAgeDays}); rotate with docker swarm ca --rotate` }];
    return [{ status: 'pass', target: CLUSTER, message: `root CA is ${Math.floor(age)} days old, ${Math.floor(left)} days left` }];
  },
};

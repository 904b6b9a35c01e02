/**
 * SW-08: root CA age, a rotation in progress, and nodes whose certificate
 * issuer key differs from the cluster's (stragglers that block or escaped a
 * rotation). The API gives no start time for a rotation, so "stuck for more
 * than an hour" is reported as "in progress" with that caveat.
 */
import type { RuleKind, Outcome, Severity } from '../types.js';
import { CLUSTER } from '../types.js';
import { trustRoot } from './trust-root.js';
import { daysBetween, list, unknown } from './util.js';

interface Params {
  maxAgeDays: number;
  /** Severity of an over-age root (the rule's own when absent). */
  ageSeverity?: Severity;
}

export const caRotation: RuleKind<Params> = {
  kind: 'ca-rotation',
  describe: 'fails when the root CA is older than `maxAgeDays` (`ageSeverity`), a root rotation is in progress (medium), or nodes hold certificates from another issuer (medium)',
  paramsSchema: {
    type: 'object',
    required: ['maxAgeDays'],
    additionalProperties: false,
    properties: { maxAgeDays: { type: 'number', exclusiveMinimum: 0 }, ageSeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] } },
  },
  evaluate(facts, p, now) {
    const out: Outcome[] = [];
    const r = trustRoot(facts);
    if ('why' in r) return [unknown(CLUSTER, r.why)];
    const age = daysBetween(r.cert.validFrom, now);
    out.push(
      age > p.maxAgeDays
        ? { status: 'fail', ...(p.ageSeverity ? { severity: p.ageSeverity } : {}), target: CLUSTER, message: `root CA is ${Math.floor(age)} days old (policy ${p.maxAgeDays}); rotate it (docker swarm ca --rotate)` }
        : { status: 'pass', target: CLUSTER, message: `root CA is ${Math.floor(age)} days old (policy ${p.maxAgeDays})` },
    );
    const swarm = 'data' in facts.swarm ? facts.swarm.data : undefined;
    const rot = { kind: 'cluster' as const, id: 'ca-rotation' };
    if (swarm?.RootRotationInProgress) out.push({ status: 'fail', severity: 'medium', target: rot, message: 'a root CA rotation is in progress (the API has no start time; if it lasts, look for nodes that have not renewed)' });
    const issuer = swarm?.TLSInfo?.CertIssuerPublicKey;
    if (!('data' in facts.nodes)) out.push(unknown(rot, `cannot compare node certificate issuers: /nodes is unavailable: ${facts.nodes.unavailable}`));
    else if (!issuer) out.push(unknown(rot, '/swarm has no TLSInfo.CertIssuerPublicKey to compare nodes with'));
    else {
      const stragglers = facts.nodes.data.filter((n) => n.Description?.TLSInfo?.CertIssuerPublicKey && n.Description.TLSInfo.CertIssuerPublicKey !== issuer);
      if (stragglers.length) out.push({ status: 'fail', severity: 'medium', target: rot, message: `nodes on another issuer than the cluster's: ${list(stragglers.map((n) => n.Description?.Hostname ?? n.ID))}` });
      else if (!swarm?.RootRotationInProgress) out.push({ status: 'pass', target: rot, message: 'no rotation in progress; every node certificate comes from the current issuer' });
    }
    return out;
  },
};

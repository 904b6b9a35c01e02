/**
 * SW-08: root CA age, a rotation in progress, and nodes whose certificate
 * issuer key differs from the cluster's (stragglers that block or escaped a
 * rotation). The API gives no start time for a rotation, so "stuck for more
 * than an hour" is reported as "in progress" with that caveat.
 */
import type { Facts } from '../snapshot.js';
import type { RuleKind, Outcome, Severity } from '../types.js';
import { CLUSTER } from '../types.js';
import { trustRoot } from './trust-root.js';
import { daysBetween, list, unknown } from './util.js';

interface Params {
  maxAgeDays: number;
  /** Severity of an over-age root (the rule's own when absent). */
  ageSeverity?: Severity;
  /** A root rotation in progress longer than this (from swarmguard's history) is stuck. */
  stuckAfterMinutes?: number;
}

/** The API has no start time for a rotation; swarmguard's history has the first audit that saw it. */
function rotationOutcome(facts: Facts, p: Params, now: Date, target: Outcome['target']): Outcome {
  const since = facts.history && 'data' in facts.history ? facts.history.data.rootRotationSince : undefined;
  if (p.stuckAfterMinutes === undefined || !since) {
    return { status: 'fail', severity: 'medium', target, message: `a root CA rotation is in progress${since ? ` (first seen ${since})` : ' (no start time known: the API has none and no history recorded it)'}; if it lasts, look for nodes that have not renewed` };
  }
  const minutes = Math.floor((now.getTime() - Date.parse(since)) / 60_000);
  return minutes > p.stuckAfterMinutes
    ? { status: 'fail', severity: 'medium', target, message: `a root CA rotation has been in progress for ${minutes} minutes (first seen ${since}; policy ${p.stuckAfterMinutes}); find the nodes that have not renewed` }
    : { status: 'pass', target, message: `a root CA rotation is in progress since ${since} (${minutes} minutes, policy ${p.stuckAfterMinutes})` };
}

export const caRotation: RuleKind<Params> = {
  kind: 'ca-rotation',
  describe: 'fails when the root CA is older than `maxAgeDays` (`ageSeverity`), a root rotation is in progress longer than `stuckAfterMinutes` by the history (medium; any rotation without history or that param), or nodes hold certificates from another issuer (medium)',
  paramsSchema: {
    type: 'object',
    required: ['maxAgeDays'],
    additionalProperties: false,
    properties: { maxAgeDays: { type: 'number', exclusiveMinimum: 0 }, ageSeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] }, stuckAfterMinutes: { type: 'number', minimum: 0 } },
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
    const rotation = swarm?.RootRotationInProgress ? rotationOutcome(facts, p, now, rot) : undefined;
    if (rotation) out.push(rotation);
    const issuer = swarm?.TLSInfo?.CertIssuerPublicKey;
    if (!('data' in facts.nodes)) out.push(unknown(rot, `cannot compare node certificate issuers: /nodes is unavailable: ${facts.nodes.unavailable}`));
    else if (!issuer) out.push(unknown(rot, '/swarm has no TLSInfo.CertIssuerPublicKey to compare nodes with'));
    else {
      const stragglers = facts.nodes.data.filter((n) => n.Description?.TLSInfo?.CertIssuerPublicKey && n.Description.TLSInfo.CertIssuerPublicKey !== issuer);
      const names = list(stragglers.map((n) => n.Description?.Hostname ?? n.ID));
      // during a young rotation, nodes on the old issuer are expected: they renew in turn
      if (stragglers.length && rotation?.status === 'pass') rotation.message += `; ${stragglers.length} node(s) still on the old issuer: ${names}`;
      else if (stragglers.length) out.push({ status: 'fail', severity: 'medium', target: rot, message: `nodes on another issuer than the cluster's: ${names}` });
      else if (!swarm?.RootRotationInProgress) out.push({ status: 'pass', target: rot, message: 'no rotation in progress; every node certificate comes from the current issuer' });
    }
    return out;
  },
};

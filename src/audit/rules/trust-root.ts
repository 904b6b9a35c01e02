/** Parse /swarm.TLSInfo.TrustRoot, or say why it cannot be read (shared by the SW-07 and SW-08 kinds). */
import { X509Certificate } from 'node:crypto';
import type { Facts } from '../snapshot.js';

export function trustRoot(facts: Facts): { cert: X509Certificate } | { why: string } {
  if (!('data' in facts.swarm)) return { why: `/swarm is unavailable: ${facts.swarm.unavailable}` };
  const pem = facts.swarm.data.TLSInfo?.TrustRoot;
  if (!pem) return { why: '/swarm has no TLSInfo.TrustRoot' };
  try {
    return { cert: new X509Certificate(pem) };
  } catch (e) {
    return { why: `TLSInfo.TrustRoot does not parse as X.509: ${(e as Error).message}` };
  }
}

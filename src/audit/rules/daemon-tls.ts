/** CIS 2.7 / SW-16: the API over TCP without TLS or client verification, as the engine itself warns in /info.Warnings. */
import type { RuleKind } from '../types.js';
import { unknown } from './util.js';

export const daemonTls: RuleKind<Record<string, never>> = {
  kind: 'daemon-tls',
  describe: "fails when /info.Warnings says the API is reachable over TCP without TLS (critical) or without client verification (high)",
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  evaluate(facts) {
    const t = { kind: 'engine', id: 'engine' } as const;
    if (!('data' in facts.info)) return [unknown(t, `/info is unavailable: ${facts.info.unavailable}`)];
    const w = facts.info.data.Warnings ?? [];
    const plain = w.find((x) => /accessible on http:\/\/.*without encryption/i.test(x));
    if (plain) return [{ status: 'fail', severity: 'critical', target: t, message: `the engine warns: ${plain.trim()}` }];
    const noVerify = w.find((x) => /without TLS client verification/i.test(x));
    if (noVerify) return [{ status: 'fail', severity: 'high', target: t, message: `the engine warns: ${noVerify.trim()}` }];
    return [{ status: 'pass', target: t, message: 'the engine reports no unencrypted or unauthenticated TCP listener' }];
  },
};

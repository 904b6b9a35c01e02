/** SW-12 (CIS 7.6): unlock-key rotation age, from the sha256 history of GET /swarm/unlockkey (the key itself is never kept). */
import type { RuleKind } from '../types.js';
import { ageOutcome, historyOf } from './rotation-age.js';
import { unknown } from './util.js';

interface Params {
  maxDays: number;
}

export const unlockKeyAge: RuleKind<Params> = {
  kind: 'unlock-key-age',
  describe: 'fails when the autolock unlock key is older than `maxDays`, from the fingerprint history swarmguard keeps',
  paramsSchema: { type: 'object', required: ['maxDays'], additionalProperties: false, properties: { maxDays: { type: 'number', minimum: 0 } } },
  evaluate(facts, p, now) {
    const t = { kind: 'cluster' as const, id: 'unlock-key' };
    if (!('data' in facts.swarm)) return [unknown(t, `/swarm is unavailable: ${facts.swarm.unavailable}`)];
    const s = facts.swarm.data;
    const autolock = s.Spec?.EncryptionConfig?.AutoLockManagers;
    if (autolock === false) return [{ status: 'pass', target: t, message: 'autolock is off: there is no unlock key to rotate (sw-11 reports autolock itself)' }];
    if (!s.UnlockKeyFingerprint) return [unknown(t, s.UnlockKeyUnavailable ?? (autolock === undefined ? '/swarm does not show whether autolock is on' : 'the unlock key was not read (GET /swarm/unlockkey on a manager)'))];
    const h = historyOf(facts);
    if ('why' in h) return [unknown(t, h.why)];
    return [ageOutcome({ history: h.data, series: 'unlock-key', sha256: s.UnlockKeyFingerprint, what: 'unlock key', maxDays: p.maxDays, target: t, now, rotate: 'docker swarm unlock-key --rotate' })];
  },
};

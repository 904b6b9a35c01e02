/**
 * `revokeCertificate`: revoke by serial, or every live certificate of a node
 * (and refuse it new ones: SwarmKit's blacklist by CN, spec 8.3, plus real
 * revocation it lacks). Idempotent; written atomically under the store lock.
 */
import type { Clock } from '../core/clock.js';
import { InputError, UsageError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import { REVOKED_KEY, normalizeSerial, readRevocationDoc, type RevocationEntry } from './revocation-list.js';
import { readIssued, requireCaState } from './state.js';

/** RFC 5280 5.3.1 reason names we accept, with their codes. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface RevokeRequest {
  serial?: string;
  nodeId?: string;
  reason?: RevocationReason;
  /** Revoke a serial this CA has no issuance record of (e.g. issued before the log existed). */
  forceUnknown?: boolean;
}

export interface RevokeResult {
  revoked: RevocationEntry[];
  alreadyRevoked: string[];
  /** The node ID is now refused new certificates. */
  nodeBlocked?: string;
}

const SERIAL = /^(0x)?[0-9a-fA-F:]{1,128}$/;

export async function revokeCertificate(store: StateStore, req: RevokeRequest, clock: Clock): Promise<RevokeResult> {
  if ((req.serial === undefined) === (req.nodeId === undefined)) {
    throw new UsageError('ERR_CA_REVOKE_USAGE', 'say what to revoke: --serial HEX or --node-id ID (one of them)');
  }
  const reason = req.reason ?? 'unspecified';
  if (!(reason in REVOCATION_REASONS)) {
    throw new InputError('ERR_CA_REVOKE_REASON', `unknown revocation reason ${JSON.stringify(reason)}; use one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
  }
  return store.withLock(async () => {
    await requireCaState(store);
    const now = clock.now().toISOString();
    const doc = await readRevocationDoc(store);
    const records = await readIssued(store);
    const known = new Set(doc.entries.map((e) => e.serial));
    const result: RevokeResult = { revoked: [], alreadyRevoked: [] };
    const revokeOne = (serial: string, nodeId: string | undefined, notAfter: string | undefined): void => {
      if (known.has(serial)) {
        result.alreadyRevoked.push(serial);
        return;
      }
      const e: RevocationEntry = { serial, revokedAt: now, reason, ...(nodeId !== undefined ? { nodeId } : {}), ...(notAfter ? { notAfter } : {}) };
      doc.entries.push(e);
      known.add(serial);
      result.revoked.push(e);
    };
    if (req.serial !== undefined) {
      if (!SERIAL.test(req.serial)) throw new InputError('ERR_CA_REVOKE_SERIAL', `serial ${JSON.stringify(req.serial)} is not hexadecimal; give it as printed by ca issue or openssl`);
      const serial = normalizeSerial(req.serial.replace(/^0x/, '').replace(/:/g, ''));
      const rec = records.find((r) => normalizeSerial(r.serial) === serial);
      if (!rec && !req.forceUnknown) {
        throw new InputError('ERR_CA_REVOKE_UNKNOWN', `serial ${serial} was not issued by this CA (not in its issuance log); check it, or pass --force-unknown`);
      }
      revokeOne(serial, rec?.nodeId, rec?.notAfter);
    } else {
      const nodeId = req.nodeId!;
      const live = records.filter((r) => r.nodeId === nodeId && Date.parse(r.notAfter) > Date.parse(now));
      for (const r of live) revokeOne(normalizeSerial(r.serial), nodeId, r.notAfter);
      if (!doc.revokedNodes.some((n) => n.nodeId === nodeId)) doc.revokedNodes.push({ nodeId, revokedAt: now, reason });
      result.nodeBlocked = nodeId;
      if (live.length === 0 && !records.some((r) => r.nodeId === nodeId) && !req.forceUnknown) {
        throw new InputError('ERR_CA_REVOKE_UNKNOWN', `node ${nodeId} has no certificate from this CA; check the ID, or pass --force-unknown to block it anyway`);
      }
    }
    await store.write(REVOKED_KEY, JSON.stringify(doc, null, 2) + '\n');
    return result;
  });
}

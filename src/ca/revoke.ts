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
  /** It already was (revoking a node twice is not an error). */
  nodeAlreadyBlocked?: boolean;
}

/** Hex, optionally 0x-prefixed or colon-separated (openssl); at most 20 octets plus a sign byte (RFC 5280 4.1.2.2). */
const SERIAL = /^[0-9a-fA-F]{1,42}$/;

export async function revokeCertificate(store: StateStore, req: RevokeRequest, clock: Clock): Promise<RevokeResult> {
  if ((req.serial === undefined) === (req.nodeId === undefined)) {
    throw new UsageError('ERR_CA_REVOKE_USAGE', 'say what to revoke: --serial HEX or --node-id ID (one of them)');
  }
  const reason = req.reason ?? 'unspecified';
  if (typeof reason !== 'string' || !Object.hasOwn(REVOCATION_REASONS, reason)) {
    throw new InputError('ERR_CA_REVOKE_REASON', `unknown revocation reason ${JSON.stringify(reason)}; use one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
  }
  let serial: string | undefined;
  if (req.serial !== undefined) {
    const hex = String(req.serial).replace(/^0[xX]/, '').replace(/:/g, '');
    if (!SERIAL.test(hex)) throw new InputError('ERR_CA_REVOKE_SERIAL', `serial ${JSON.stringify(req.serial)} is not a hexadecimal serial; give it as printed by ca issue or openssl`);
    serial = normalizeSerial(hex);
  }
  if (req.nodeId !== undefined && (typeof req.nodeId !== 'string' || req.nodeId.length === 0)) {
    throw new InputError('ERR_CA_REVOKE_NODE', 'the node ID to revoke is empty; give it as docker node ls prints it');
  }
  return store.withLock(async () => {
    await requireCaState(store);
    const now = clock.now().toISOString();
    const doc = await readRevocationDoc(store);
    const records = await readIssued(store);
    const known = new Set(doc.entries.map((e) => normalizeSerial(e.serial)));
    const result: RevokeResult = { revoked: [], alreadyRevoked: [] };
    const revokeOne = (s: string, nodeId: string | undefined, notAfter: string | undefined): void => {
      if (known.has(s)) {
        result.alreadyRevoked.push(s);
        return;
      }
      const e: RevocationEntry = { serial: s, revokedAt: now, reason, ...(nodeId !== undefined ? { nodeId } : {}), ...(notAfter ? { notAfter } : {}) };
      doc.entries.push(e);
      known.add(s);
      result.revoked.push(e);
    };
    if (serial !== undefined) {
      const rec = records.find((r) => normalizeSerial(r.serial) === serial);
      if (!rec && !req.forceUnknown) {
        throw new InputError('ERR_CA_REVOKE_UNKNOWN', `serial ${serial} was not issued by this CA (not in its issuance log); check it, or pass --force-unknown`);
      }
      revokeOne(serial, rec?.nodeId, rec?.notAfter);
    } else {
      const nodeId = req.nodeId!;
      const ofNode = records.filter((r) => r.nodeId === nodeId);
      if (ofNode.length === 0 && !req.forceUnknown) {
        throw new InputError('ERR_CA_REVOKE_UNKNOWN', `node ${nodeId} has no certificate from this CA; check the ID, or pass --force-unknown to block it anyway`);
      }
      // expired certificates need no CRL entry (RFC 5280 3.3); the node block covers reissue
      for (const r of ofNode) if (Date.parse(r.notAfter) > Date.parse(now)) revokeOne(normalizeSerial(r.serial), nodeId, r.notAfter);
      if (doc.revokedNodes.some((n) => n.nodeId === nodeId)) result.nodeAlreadyBlocked = true;
      else doc.revokedNodes.push({ nodeId, revokedAt: now, reason });
      result.nodeBlocked = nodeId;
    }
    if (result.revoked.length > 0 || (result.nodeBlocked !== undefined && !result.nodeAlreadyBlocked)) {
      await store.write(REVOKED_KEY, JSON.stringify(doc, null, 2) + '\n');
    }
    return result;
  });
}

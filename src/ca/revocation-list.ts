/**
 * The CA's revocation records (ca/revoked.json): what `ca revoke` writes and
 * what issuing, CRL signing and mTLS checks read.
 */
import { RuntimeError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';

export const REVOKED_KEY = 'ca/revoked.json';

export interface RevocationEntry {
  /** Lowercase hex serial without leading zero bytes. */
  serial: string;
  nodeId?: string;
  revokedAt: string;
  /** RFC 5280 reason name (keyCompromise, superseded, cessationOfOperation, ...). */
  reason: string;
  /** NotAfter of the revoked certificate: entries may be pruned after it. */
  notAfter?: string;
}

export interface RevocationDoc {
  format: 1;
  entries: RevocationEntry[];
  /** Node IDs refused new certificates (SwarmKit's blacklist, by CN). */
  revokedNodes: Array<{ nodeId: string; revokedAt: string; reason: string }>;
}

export interface Revocations {
  doc: RevocationDoc;
  isSerialRevoked(serialHex: string): boolean;
  isNodeRevoked(nodeId: string): boolean;
}

export const normalizeSerial = (hex: string): string => hex.toLowerCase().replace(/^(00)+(?=..)/, '');

export function revocationsOf(doc: RevocationDoc): Revocations {
  const serials = new Set(doc.entries.map((e) => normalizeSerial(e.serial)));
  const nodes = new Set(doc.revokedNodes.map((n) => n.nodeId));
  return {
    doc,
    isSerialRevoked: (s) => serials.has(normalizeSerial(s)),
    isNodeRevoked: (id) => nodes.has(id),
  };
}

export async function readRevocationDoc(store: StateStore): Promise<RevocationDoc> {
  const raw = await store.read(REVOKED_KEY);
  if (!raw) return { format: 1, entries: [], revokedNodes: [] };
  try {
    const doc = JSON.parse(raw.toString('utf8')) as RevocationDoc;
    if (doc.format !== 1 || !Array.isArray(doc.entries) || !Array.isArray(doc.revokedNodes)) throw new Error('unknown format');
    return doc;
  } catch (e) {
    throw new RuntimeError('ERR_CA_STATE_CORRUPT', `${store.location}/${REVOKED_KEY} is damaged; restore it from a backup`, { cause: e });
  }
}

export async function openRevocations(store: StateStore): Promise<Revocations> {
  return revocationsOf(await readRevocationDoc(store));
}

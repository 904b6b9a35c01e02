/**
 * The CA's persistent state in the StateStore, and loading the signer from it.
 *
 *   ca/state.json        CaState (below): roots, signer, rotation, CRL counter
 *   ca/keys/<ski>.pem    CA private keys, PKCS#8 encrypted under the CA passphrase
 *   ca/issued.jsonl      one IssuedRecord per line, appended with fsync
 *   ca/revoked.json      revocations (see revoke.ts)
 */
import { X509Certificate } from 'node:crypto';
import { InputError, RuntimeError } from '../errors.js';
import { loadPrivateKey } from '../core/keys.js';
import { parsePem } from '../core/pem.js';
import type { StateStore } from '../store/state-store.js';
import { makeSigner, type Signer } from './issue.js';

export const STATE_KEY = 'ca/state.json';
export const ISSUED_LOG_KEY = 'ca/issued.jsonl';
export const keyStoreKey = (skiHex: string): string => `ca/keys/${skiHex}.pem`;

export type CaMode = 'root' | 'imported-root' | 'intermediate';

export interface CaKeyedCert {
  certPem: string;
  /** Store key of the encrypted private key, when this CA holds it. */
  keyRef?: string;
}

export type RotationStage = 'cross-signed' | 'switched';

export interface CaRotation {
  stage: RotationStage;
  startedAt: string;
  switchedAt?: string;
  /** The root being rotated to, and its key. */
  newRoot: CaKeyedCert;
  /** The new root cross-signed by the old root's key (spec 2.4). */
  crossSignedPem: string;
  /** The root being retired. */
  oldRoot: CaKeyedCert;
  /** Whether the new root was generated here or imported; decides `mode` once the rotation finishes. */
  source?: 'generated' | 'imported';
}

export interface CaState {
  format: 1;
  /** O of node certificates (a SwarmKit-style ID unless imported). */
  clusterId: string;
  mode: CaMode;
  createdAt: string;
  /**
   * The trust-root bundle exactly as nodes receive it (swarm-root-ca.crt):
   * the join-token digest is over these bytes (spec 1.2), so they are stored verbatim.
   */
  trustRootPem: string;
  /** The certificate and key that sign leaves, and the chain appended to each leaf. */
  signer: CaKeyedCert & { chainPems: string[] };
  rotation?: CaRotation;
  /** Roots retired by completed rotations, kept for status and audit. */
  retiredRoots: Array<{ certPem: string; retiredAt: string }>;
  crlNumber: number;
}

export interface IssuedRecord {
  serial: string;
  profile: string;
  nodeId?: string;
  role?: string;
  clusterId?: string;
  subject?: string;
  notBefore: string;
  notAfter: string;
  /** Hex SKI of the signer that issued it (tells old-root from new-root issuance). */
  issuerSki: string;
  issuedAt: string;
  /** What asked: cli, cfssl-api, renew. */
  via: string;
}

/**
 * The roots a verifier must trust right now: the trust root, plus the other
 * root while a rotation is in progress (old + new), so that leaves of either
 * key validate whichever root file a peer holds (spec 4.2, 4.4).
 */
export function trustBundle(state: CaState): string {
  const r = state.rotation;
  if (!r) return state.trustRootPem;
  return r.oldRoot.certPem + r.newRoot.certPem;
}

export async function readCaState(store: StateStore): Promise<CaState | undefined> {
  const raw = await store.read(STATE_KEY);
  if (!raw) return undefined;
  let doc: CaState;
  try {
    doc = JSON.parse(raw.toString('utf8')) as CaState;
  } catch (e) {
    throw new RuntimeError('ERR_CA_STATE_CORRUPT', `CA state ${store.location}/${STATE_KEY} is not valid JSON; restore it from a backup`, { cause: e });
  }
  if (doc.format !== 1 || typeof doc.trustRootPem !== 'string' || !doc.signer?.certPem) {
    throw new RuntimeError('ERR_CA_STATE_CORRUPT', `CA state ${store.location}/${STATE_KEY} has an unknown format; restore it from a backup or upgrade swarmguard`);
  }
  return doc;
}

export async function requireCaState(store: StateStore): Promise<CaState> {
  const s = await readCaState(store);
  if (!s) throw new InputError('ERR_CA_NOT_INITIALIZED', `no CA in ${store.location}; create one with: swarmguard ca init --passphrase-file FILE`);
  return s;
}

export async function writeCaState(store: StateStore, state: CaState): Promise<void> {
  await store.write(STATE_KEY, JSON.stringify(state, null, 2) + '\n');
}

export function pemToDer(pem: string, what: string): Buffer {
  const blocks = parsePem(pem, what).filter((b) => b.type === 'CERTIFICATE');
  if (blocks.length !== 1) throw new RuntimeError('ERR_CA_STATE_CORRUPT', `${what}: expected one certificate, found ${blocks.length}`);
  return blocks[0]!.der;
}

/** Load and decrypt a CA key referenced from the state. */
export async function loadCaKey(store: StateStore, keyRef: string, passphrase: Uint8Array | undefined): Promise<import('node:crypto').KeyObject> {
  const pem = await store.read(keyRef);
  if (!pem) throw new RuntimeError('ERR_CA_KEY_MISSING', `CA key ${keyRef} is missing from ${store.location}; restore it from a backup`);
  const key = loadPrivateKey(pem.toString('utf8'), passphrase, 'the CA key');
  return key;
}

/** The signer for new certificates: during a rotation the new root's key, with the cross-signed cert appended. */
export async function loadSigner(store: StateStore, state: CaState, passphrase: Uint8Array | undefined): Promise<Signer> {
  const { certPem, keyRef, chainPems } = state.signer;
  if (!keyRef) {
    throw new InputError('ERR_CA_NO_KEY', 'this CA holds no signing key (certificate only); import the key with swarmguard ca init --import-key');
  }
  const key = await loadCaKey(store, keyRef, passphrase);
  const certDer = pemToDer(certPem, 'CA signing certificate');
  if (!new X509Certificate(certDer).checkPrivateKey(key)) {
    throw new RuntimeError('ERR_CA_STATE_CORRUPT', 'the stored CA key does not match the CA certificate; restore the state from a backup');
  }
  return makeSigner(certDer, key, chainPems.map((p) => pemToDer(p, 'CA chain certificate')));
}

/** One record as its line in the issuance log. */
export const issuedLine = (r: IssuedRecord): string => JSON.stringify(r) + '\n';

/** Append an issuance record (durable before the certificate is returned). */
export async function recordIssued(store: StateStore, rec: IssuedRecord): Promise<void> {
  await store.append(ISSUED_LOG_KEY, issuedLine(rec));
}

/** Lines from `issuedLine`, in one append (one fsync). */
export async function appendIssuedLines(store: StateStore, lines: string[]): Promise<void> {
  await store.append(ISSUED_LOG_KEY, lines.join(''));
}

/** Read the issuance log; a torn last line (crash mid-append) is skipped. */
export async function readIssued(store: StateStore): Promise<IssuedRecord[]> {
  const raw = await store.read(ISSUED_LOG_KEY);
  if (!raw) return [];
  const out: IssuedRecord[] = [];
  for (const line of raw.toString('utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as IssuedRecord);
    } catch {
      // a partial line from an interrupted append: ignore
    }
  }
  return out;
}

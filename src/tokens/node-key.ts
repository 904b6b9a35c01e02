/**
 * A SwarmKit node key file, `certificates/swarm-node.key` (swarmkit spec 6.3):
 * one PEM block, `ENCRYPTED PRIVATE KEY` (autolock on) or `PRIVATE KEY`
 * (autolock off), with `kek-version` and `raft-dek*` headers that Node's PEM
 * reader refuses; we read the headers ourselves and hand Node only the DER.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { parsePem, toPem } from '../core/pem.js';
import { defaults } from '../defaults.js';
import { UnlockFormatError } from './errors.js';
import { parseEncryptedPrivateKeyInfo, type Pbes2Params } from './pbes2.js';

const U = defaults.tokens.unlock;

export type NodeKeyFormat = 'encrypted-pkcs8' | 'pkcs8' | 'legacy-sec1';

export interface NodeKeyFile {
  format: NodeKeyFormat;
  type: string;
  /** Headers as in the file (name, value), order kept. */
  headers: Array<[string, string]>;
  der: Buffer;
  /** Set for encrypted-pkcs8. */
  pbes2?: Pbes2Params;
  kekVersion?: number;
  /** Header names other than the four SwarmKit writes. */
  unknownHeaders: string[];
}

const KNOWN = new Set<string>([U.kekVersionHeader, U.dekHeader, U.pendingDekHeader, U.needsRotationHeader]);
/** RFC 1423 encryption headers of the legacy SEC1 form (spec 6.4). */
const LEGACY = new Set<string>(['Proc-Type', 'DEK-Info']);

function bad(why: string, cause?: unknown): UnlockFormatError {
  return new UnlockFormatError('ERR_UNLOCK_NODE_KEY_MALFORMED', `node key: ${why}; pass certificates/swarm-node.key from the node's data root`, cause === undefined ? {} : { cause });
}

export function parseNodeKeyFile(input: Uint8Array | string): NodeKeyFile {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (bytes.length === 0) throw bad('the file is empty');
  if (bytes.length > U.maxNodeKeyBytes) throw bad(`the file is larger than ${U.maxNodeKeyBytes} bytes`);
  let blocks;
  try {
    blocks = parsePem(bytes, 'node key');
  } catch (e) {
    throw bad(`it is not valid PEM (${(e as Error).message})`, e);
  }
  if (blocks.length !== 1) throw bad(blocks.length === 0 ? 'no PEM block found' : `${blocks.length} PEM blocks, expected one`);
  const block = blocks[0]!;
  const names = block.headers.map(([k]) => k);
  if (new Set(names).size !== names.length) throw bad('a PEM header appears twice');
  const legacyHeaders = block.type === 'EC PRIVATE KEY' ? LEGACY : new Set<string>();
  const unknownHeaders = names.filter((n) => !KNOWN.has(n) && !legacyHeaders.has(n));
  const kv = block.headers.find(([k]) => k === U.kekVersionHeader)?.[1];
  let kekVersion: number | undefined;
  if (kv !== undefined) {
    if (!/^\d{1,19}$/.test(kv)) throw bad('the kek-version header is not a decimal number');
    kekVersion = Number(kv);
    if (!Number.isSafeInteger(kekVersion)) throw bad('the kek-version header is too large');
  }
  switch (block.type) {
    case 'ENCRYPTED PRIVATE KEY':
      return { format: 'encrypted-pkcs8', type: block.type, headers: block.headers, der: block.der, pbes2: parseEncryptedPrivateKeyInfo(block.der), ...(kekVersion !== undefined ? { kekVersion } : {}), unknownHeaders };
    case 'PRIVATE KEY':
      return { format: 'pkcs8', type: block.type, headers: block.headers, der: block.der, ...(kekVersion !== undefined ? { kekVersion } : {}), unknownHeaders };
    case 'EC PRIVATE KEY':
      return { format: 'legacy-sec1', type: block.type, headers: block.headers, der: block.der, ...(kekVersion !== undefined ? { kekVersion } : {}), unknownHeaders };
    default:
      throw bad(`the PEM block is ${block.type}, not a private key`);
  }
}

export function headerValue(file: NodeKeyFile, name: string): string | undefined {
  return file.headers.find(([k]) => k === name)?.[1];
}

/** Load PKCS#8 DER as a Node key, or undefined when it is not a private key (a wrong password's garbage). */
export function loadPkcs8(der: Uint8Array): KeyObject | undefined {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}

/** Write a node key in Go's pem layout: headers sorted by name, blank line, 64-char base64 lines. */
export function formatNodeKeyFile(type: string, der: Uint8Array, headers: Array<[string, string]>): string {
  const sorted = [...headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return toPem(type, der, sorted);
}

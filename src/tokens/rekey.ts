/**
 * `rekeyNodeKey`: re-encrypt a manager's node key and its raft-dek records
 * under a new unlock key, offline, in exactly SwarmKit's format (spec 6.4,
 * 6.5): the same PKCS#8 plaintext, a fresh salt and IV, PBKDF2-HMAC-SHA1 with
 * no PRF field, 2048 iterations, AES-256-CBC; each DEK record resealed with
 * its own algorithm and a fresh nonce; headers kept and sorted (Go pem layout).
 * Pure: returns the new file text; the caller writes it (atomically, 0600).
 */
import { defaults } from '../defaults.js';
import { TokenUsageError, UnlockFormatError, UnlockVerificationError } from './errors.js';
import { bytesEqual } from './join-token.js';
import { decodeRecordHeader, encodeRecordHeader, openRecord, RecordAlgorithm, sealRecord } from './dek-record.js';
import { formatNodeKeyFile, loadPkcs8, parseNodeKeyFile, type NodeKeyFile } from './node-key.js';
import { decryptPbes2, encryptPbes2 } from './pbes2.js';
import { unlockKeyFingerprint } from './unlock-key.js';

const U = defaults.tokens.unlock;
const DEK_HEADERS = new Set<string>([U.dekHeader, U.pendingDekHeader]);

export interface RekeyResult {
  pem: string;
  oldKeyFingerprint: string;
  newKeyFingerprint: string;
  /** Headers resealed (raft-dek, raft-dek-pending). */
  resealed: string[];
  kekVersion?: number;
}

export interface RekeyOptions {
  random?: (n: number) => Buffer;
  /** For Fernet records' timestamp (FIPS clusters). */
  now?: Date;
}

export function rekeyNodeKey(input: Uint8Array | string | NodeKeyFile, oldKek: Uint8Array, newKek: Uint8Array, options: RekeyOptions = {}): RekeyResult {
  const file = typeof input === 'object' && 'format' in input ? input : parseNodeKeyFile(input);
  if (file.format === 'pkcs8') {
    throw new UnlockFormatError('ERR_UNLOCK_AUTOLOCK_OFF', 'node key: autolock is off on this node (the key is not encrypted); enable it with `docker swarm update --autolock=true` instead of re-keying offline');
  }
  if (file.format !== 'encrypted-pkcs8') {
    throw new UnlockFormatError('ERR_UNLOCK_PBES2_UNSUPPORTED', 'node key: the legacy SEC1 form cannot be re-keyed; let the daemon rewrite it as PKCS#8 first');
  }
  if (oldKek.length !== U.keyBytes || newKek.length !== U.keyBytes) throw new TypeError(`rekeyNodeKey: unlock keys have ${U.keyBytes} bytes`);
  if (bytesEqual(oldKek, newKek)) throw new TokenUsageError('ERR_UNLOCK_KEY_MALFORMED', 'the new unlock key is the same as the old one; generate a new one (swarmguard unlock-key rekey --generate) or pass a different --new-key-file');
  const plain = decryptPbes2(file.pbes2!, oldKek);
  if (!plain || !loadPkcs8(plain)) {
    plain?.fill(0);
    throw new UnlockVerificationError('ERR_UNLOCK_WRONG_KEY', `the old unlock key (fingerprint ${unlockKeyFingerprint(oldKek)}) does not open this node key; nothing was written`);
  }
  const resealed: string[] = [];
  const headers: Array<[string, string]> = [];
  try {
    for (const [name, value] of file.headers) {
      if (!DEK_HEADERS.has(name)) {
        headers.push([name, value]);
        continue;
      }
      const rec = decodeRecordHeader(value);
      const dek = openRecord(rec, oldKek);
      if (!dek) throw new UnlockVerificationError('ERR_UNLOCK_WRONG_KEY', `the old unlock key opens the node key but not its ${name} header; the file is inconsistent, nothing was written`);
      // A NONE record under an encrypted key is resealed with SwarmKit's default, secretbox.
      const algorithm = rec.algorithm === RecordAlgorithm.NONE ? RecordAlgorithm.SECRETBOX_SALSA20_POLY1305 : rec.algorithm;
      headers.push([name, encodeRecordHeader(sealRecord(dek, newKek, algorithm, { ...(options.random ? { random: options.random } : {}), ...(options.now ? { now: options.now } : {}) }))]);
      dek.fill(0);
      resealed.push(name);
    }
    const der = encryptPbes2(plain, newKek, options.random ? { random: options.random } : {});
    return {
      pem: formatNodeKeyFile(file.type, der, headers),
      oldKeyFingerprint: unlockKeyFingerprint(oldKek),
      newKeyFingerprint: unlockKeyFingerprint(newKek),
      resealed,
      ...(file.kekVersion !== undefined ? { kekVersion: file.kekVersion } : {}),
    };
  } finally {
    plain.fill(0);
  }
}

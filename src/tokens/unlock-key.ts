/**
 * Unlock keys (swarmkit spec 6.1): `SWMKEY-1-` + unpadded standard base64 of
 * 32 random bytes. The decoded bytes are the KEK: the PBES2 password of the
 * node key and the secretbox key of the raft-dek record.
 */
import { createHash, randomBytes } from 'node:crypto';
import { defaults } from '../defaults.js';
import { UnlockFormatError } from './errors.js';

const U = defaults.tokens.unlock;
const RAW_B64 = /^[A-Za-z0-9+/]+$/;

function malformed(why: string): UnlockFormatError {
  return new UnlockFormatError('ERR_UNLOCK_KEY_MALFORMED', `unlock key: ${why}; copy it again from \`docker swarm unlock-key -q\` (it starts with ${U.prefix})`);
}

/** Decode `SWMKEY-1-...` strictly to its 32 bytes. The message never contains the key. */
export function parseUnlockKey(input: string): Buffer {
  if (typeof input !== 'string') throw new TypeError('parseUnlockKey: key must be a string');
  const text = input.trim();
  if (text.length === 0) throw malformed('it is empty');
  if (text.length > U.maxKeyChars) throw malformed(`it is longer than ${U.maxKeyChars} characters`);
  if (text.startsWith('SWMTKN-')) throw malformed('this is a join token, not an unlock key');
  if (!text.startsWith(U.prefix)) throw malformed(`it does not start with ${U.prefix}`);
  const b64 = text.slice(U.prefix.length);
  if (b64.includes('=')) throw malformed('it has base64 padding (=); SwarmKit writes and reads unpadded base64');
  if (!RAW_B64.test(b64)) throw malformed('the part after the prefix is not standard base64');
  const key = Buffer.from(b64, 'base64');
  if (key.length !== U.keyBytes) throw malformed(`it decodes to ${key.length} bytes, expected ${U.keyBytes}`);
  if (key.toString('base64').replace(/=+$/, '') !== b64) throw malformed('its base64 is not canonical (stray low bits in the last character)');
  return key;
}

export function formatUnlockKey(kek: Uint8Array): string {
  if (kek.length !== U.keyBytes) throw new TypeError(`formatUnlockKey: a KEK has ${U.keyBytes} bytes, got ${kek.length}`);
  return U.prefix + Buffer.from(kek).toString('base64').replace(/=+$/, '');
}

export function newUnlockKey(random: (n: number) => Buffer = randomBytes): Buffer {
  return random(U.keyBytes);
}

/** A public name for a KEK: the first hex characters of SHA-256 over its bytes. */
export function unlockKeyFingerprint(kek: Uint8Array): string {
  return createHash('sha256').update(kek).digest('hex').slice(0, defaults.tokens.join.fingerprintHex);
}

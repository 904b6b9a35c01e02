/**
 * Key helpers over node:crypto: generation, SPKI/SKI, strength checks and
 * passphrase encryption at rest.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, type KeyObject } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';
import { Tag, children, contentOf, expectTag, readTlv } from './der.js';

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

export interface KeyInfo {
  type: 'ec' | 'rsa' | 'ed25519' | 'other';
  /** P-256, P-384, P-521 for EC keys. */
  curve?: string;
  bits?: number;
}

export function keyInfo(key: KeyObject): KeyInfo {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { type: 'ec', curve: CURVE_NAMES[d.namedCurve ?? ''] ?? d.namedCurve ?? 'unknown' };
    case 'rsa':
      return { type: 'rsa', bits: d.modulusLength ?? 0 };
    case 'ed25519':
      return { type: 'ed25519' };
    default:
      return { type: 'other' };
  }
}

/** Refuse keys SwarmKit refuses (spec 2.3): RSA < 2048, curves other than P-256/384/521, anything else. */
export function assertStrongKey(key: KeyObject, what: string): KeyInfo {
  const info = keyInfo(key);
  if (info.type === 'rsa' && (info.bits ?? 0) < defaults.ca.minRsaBits) {
    throw new InputError('ERR_KEY_WEAK', `${what}: RSA key of ${info.bits} bits is too weak; use RSA >= ${defaults.ca.minRsaBits} bits or ECDSA P-256`);
  }
  if (info.type === 'ec' && !(defaults.ca.allowedCurves as readonly string[]).includes(info.curve ?? '')) {
    throw new InputError('ERR_KEY_WEAK', `${what}: elliptic curve ${info.curve} is not allowed; use P-256, P-384 or P-521`);
  }
  if (info.type !== 'rsa' && info.type !== 'ec') {
    throw new InputError('ERR_KEY_UNSUPPORTED', `${what}: ${key.asymmetricKeyType} keys are not accepted; use ECDSA P-256 (SwarmKit's choice) or RSA >= 2048`);
  }
  return info;
}

export function generateP256(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** The subjectPublicKey BIT STRING contents of an SPKI (the EC point, or the RSA key). */
export function subjectPublicKeyBits(spki: Uint8Array): Buffer {
  const outer = expectTag(readTlv(spki, 0, spki.length, 'public key'), Tag.SEQUENCE, 'public key', 'SubjectPublicKeyInfo');
  const [, bits] = children(spki, outer, 'public key', 4);
  const b = contentOf(spki, expectTag(bits, Tag.BIT_STRING, 'public key', 'subjectPublicKey'));
  return b.subarray(1);
}

/** SKI as Go and cfssl compute it: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1). */
export function subjectKeyId(spki: Uint8Array): Buffer {
  // one-shot hash: no Hash object per certificate on the issuing hot path
  return hash('sha1', subjectPublicKeyBits(spki), 'buffer');
}

/** True when the private key and the public key form a pair. */
export function keysMatch(privateKey: KeyObject, publicKey: KeyObject): boolean {
  return spkiDer(createPublicKey(privateKey)).equals(spkiDer(publicKey));
}

/** Encrypt a private key at rest: PKCS#8 PBES2 with AES-256-CBC under a passphrase. */
export function encryptPrivateKey(key: KeyObject, passphrase: Uint8Array): string {
  return key.export({ type: 'pkcs8', format: 'pem', cipher: defaults.ca.keyCipher, passphrase: Buffer.from(passphrase) }) as string;
}

/** Load a private key (PEM or DER, encrypted or not); wrong passphrase → ERR_KEY_PASSPHRASE. */
export function loadPrivateKey(input: string | Uint8Array, passphrase: Uint8Array | undefined, what: string): KeyObject {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const isPem = text.includes('-----BEGIN');
  const encrypted = isPem ? /ENCRYPTED/.test(text) : false;
  if (encrypted && !passphrase) {
    throw new InputError('ERR_KEY_PASSPHRASE', `${what} is encrypted; give its passphrase with --passphrase-file or the environment variable`);
  }
  try {
    if (isPem) return createPrivateKey({ key: text, format: 'pem', ...(passphrase ? { passphrase: Buffer.from(passphrase) } : {}) });
    const der = Buffer.from(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
    const pass = passphrase ? { passphrase: Buffer.from(passphrase) } : {};
    for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
      try {
        return createPrivateKey({ key: der, format: 'der', type, ...(type === 'pkcs8' ? pass : {}) });
      } catch (e) {
        if (type === 'pkcs1') throw e;
      }
    }
    throw new Error('unreachable');
  } catch (e) {
    if (encrypted) throw new InputError('ERR_KEY_PASSPHRASE', `cannot decrypt ${what}: wrong passphrase or damaged key`, { cause: e });
    throw new InputError('ERR_KEY_MALFORMED', `${what} is not a readable private key (PEM or DER PKCS#8/SEC1/PKCS#1)`, { cause: e });
  }
}

/** Parse a public key (SPKI DER or PEM `PUBLIC KEY`); anything unreadable → ERR_KEY_MALFORMED. */
export function parsePublicKey(input: Uint8Array, what = 'public key'): KeyObject {
  const text = Buffer.from(input.subarray(0, 64)).toString('latin1');
  try {
    if (text.includes('-----BEGIN')) return createPublicKey({ key: Buffer.from(input).toString('latin1'), format: 'pem' });
    subjectPublicKeyBits(input); // strict outer structure first
    return createPublicKey({ key: Buffer.from(input), format: 'der', type: 'spki' });
  } catch (e) {
    if (e instanceof InputError) throw new InputError('ERR_KEY_MALFORMED', `${what} is not a readable SubjectPublicKeyInfo (${e.message})`, { cause: e });
    throw new InputError('ERR_KEY_MALFORMED', `${what} is not a readable public key (PEM or DER SubjectPublicKeyInfo)`, { cause: e });
  }
}

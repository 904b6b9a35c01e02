/**
 * The raft-dek PEM header (swarmkit spec 6.5): std base64 of a protobuf
 * `MaybeEncryptedRecord{1: algorithm enum, 2: data bytes, 3: nonce bytes}`.
 * Hand-written strict protobuf reader (three known fields, each at most once,
 * bounded lengths) and writer (proto3: zero values omitted), and one table row
 * per algorithm.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { secretbox } from '@noble/ciphers/salsa';
import { defaults } from '../defaults.js';
import { UnlockFormatError } from './errors.js';

const U = defaults.tokens.unlock;

export const RecordAlgorithm = {
  NONE: 0,
  SECRETBOX_SALSA20_POLY1305: 1,
  FERNET_AES_128_CBC: 2,
} as const;
export type RecordAlgorithmId = (typeof RecordAlgorithm)[keyof typeof RecordAlgorithm];

export interface MaybeEncryptedRecord {
  algorithm: number;
  data: Buffer;
  nonce: Buffer;
}

function bad(why: string): UnlockFormatError {
  return new UnlockFormatError('ERR_UNLOCK_RECORD_MALFORMED', `raft-dek record: ${why}; the node key's raft-dek header is damaged`);
}

function readVarint(buf: Buffer, pos: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw bad('truncated varint');
    const b = buf[pos + i]!;
    value += (b & 0x7f) * mul;
    if (value > Number.MAX_SAFE_INTEGER) throw bad('varint too large');
    if (!(b & 0x80)) {
      if (i > 0 && b === 0) throw bad('non-minimal varint');
      return { value, next: pos + i + 1 };
    }
    mul *= 128;
  }
  throw bad('varint longer than 10 bytes');
}

function writeVarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return Buffer.from(out);
}

/** Parse a serialized MaybeEncryptedRecord strictly. */
export function parseRecord(bytes: Uint8Array): MaybeEncryptedRecord {
  const buf = Buffer.from(bytes);
  if (buf.length > U.maxRecordBytes) throw bad(`it is larger than ${U.maxRecordBytes} bytes`);
  const seen = new Set<number>();
  const rec: MaybeEncryptedRecord = { algorithm: 0, data: Buffer.alloc(0), nonce: Buffer.alloc(0) };
  let pos = 0;
  while (pos < buf.length) {
    const key = readVarint(buf, pos);
    pos = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (field < 1 || field > 3) throw bad(`unknown field ${field}`);
    if (seen.has(field)) throw bad(`field ${field} appears twice`);
    seen.add(field);
    if (field === 1) {
      if (wire !== 0) throw bad(`field 1 (algorithm) has wire type ${wire}, expected 0`);
      const v = readVarint(buf, pos);
      if (v.value > 0x7fffffff) throw bad('algorithm out of range');
      rec.algorithm = v.value;
      pos = v.next;
    } else {
      if (wire !== 2) throw bad(`field ${field} has wire type ${wire}, expected 2 (bytes)`);
      const len = readVarint(buf, pos);
      if (len.next + len.value > buf.length) throw bad(`field ${field} runs past the end`);
      const value = Buffer.from(buf.subarray(len.next, len.next + len.value));
      if (field === 2) rec.data = value;
      else rec.nonce = value;
      pos = len.next + len.value;
    }
  }
  return rec;
}

/** Serialize as gogo/protobuf does for proto3: fields in order, zero values omitted. */
export function serializeRecord(rec: MaybeEncryptedRecord): Buffer {
  const parts: Buffer[] = [];
  if (rec.algorithm !== 0) parts.push(Buffer.from([0x08]), writeVarint(rec.algorithm));
  if (rec.data.length) parts.push(Buffer.from([0x12]), writeVarint(rec.data.length), rec.data);
  if (rec.nonce.length) parts.push(Buffer.from([0x1a]), writeVarint(rec.nonce.length), rec.nonce);
  return Buffer.concat(parts);
}

/** Decode the header value: std base64 (padded, as Go's StdEncoding writes it). */
export function decodeRecordHeader(value: string): MaybeEncryptedRecord {
  const v = value.trim();
  if (v.length === 0) throw bad('the header is empty');
  if (v.length > Math.ceil((U.maxRecordBytes * 4) / 3) + 4) throw bad('the header is too long');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw bad('the header is not padded standard base64');
  return parseRecord(Buffer.from(v, 'base64'));
}

export function encodeRecordHeader(rec: MaybeEncryptedRecord): string {
  return serializeRecord(rec).toString('base64');
}

interface Codec {
  name: string;
  /** Plaintext, or undefined when this key does not open the record. */
  open(rec: MaybeEncryptedRecord, key: Uint8Array): Buffer | undefined;
  seal(plaintext: Uint8Array, key: Uint8Array, random: (n: number) => Buffer, now: Date): MaybeEncryptedRecord;
}

// Fernet (spec 6.5): 0x80 ‖ time(8) ‖ IV(16) ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256(32), base64url;
// the 32-byte key is 16 B signing key then 16 B encryption key.
const fernet: Codec = {
  name: 'fernet-aes-128-cbc',
  open(rec, key) {
    const text = rec.data.toString('latin1');
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return undefined;
    const tok = Buffer.from(text, 'base64url');
    if (tok.length < 1 + 8 + 16 + 16 + 32 || tok[0] !== 0x80 || (tok.length - 57) % 16 !== 0) return undefined;
    const mac = createHmac('sha256', key.subarray(0, 16)).update(tok.subarray(0, tok.length - 32)).digest();
    if (!timingSafeEqual(mac, tok.subarray(tok.length - 32))) return undefined;
    try {
      const d = createDecipheriv('aes-128-cbc', key.subarray(16, 32), tok.subarray(9, 25));
      return Buffer.concat([d.update(tok.subarray(25, tok.length - 32)), d.final()]);
    } catch {
      return undefined;
    }
  },
  seal(plaintext, key, random, now) {
    const head = Buffer.alloc(9);
    head[0] = 0x80;
    head.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000)), 1);
    const iv = random(16);
    const c = createCipheriv('aes-128-cbc', key.subarray(16, 32), iv);
    const body = Buffer.concat([head, iv, c.update(plaintext), c.final()]);
    const mac = createHmac('sha256', key.subarray(0, 16)).update(body).digest();
    return { algorithm: RecordAlgorithm.FERNET_AES_128_CBC, data: Buffer.from(Buffer.concat([body, mac]).toString('base64url').padEnd(Math.ceil((body.length + 32) / 3) * 4, '='), 'latin1'), nonce: Buffer.alloc(0) };
  },
};

export const RECORD_CODECS: Readonly<Record<number, Codec>> = {
  [RecordAlgorithm.NONE]: {
    name: 'none',
    open: (rec) => Buffer.from(rec.data),
    seal: (plaintext) => ({ algorithm: RecordAlgorithm.NONE, data: Buffer.from(plaintext), nonce: Buffer.alloc(0) }),
  },
  [RecordAlgorithm.SECRETBOX_SALSA20_POLY1305]: {
    name: 'secretbox-xsalsa20-poly1305',
    open(rec, key) {
      if (rec.nonce.length !== U.secretboxNonceBytes || rec.data.length < 16) return undefined;
      try {
        return Buffer.from(secretbox(Uint8Array.from(key), Uint8Array.from(rec.nonce)).open(Uint8Array.from(rec.data)));
      } catch {
        return undefined;
      }
    },
    seal(plaintext, key, random) {
      const nonce = random(U.secretboxNonceBytes);
      return { algorithm: RecordAlgorithm.SECRETBOX_SALSA20_POLY1305, data: Buffer.from(secretbox(Uint8Array.from(key), Uint8Array.from(nonce)).seal(Uint8Array.from(plaintext))), nonce };
    },
  },
  [RecordAlgorithm.FERNET_AES_128_CBC]: fernet,
};

export function codecFor(rec: MaybeEncryptedRecord): Codec {
  const c = RECORD_CODECS[rec.algorithm];
  if (!c) throw new UnlockFormatError('ERR_UNLOCK_RECORD_UNSUPPORTED', `raft-dek record: unknown algorithm ${rec.algorithm}; this SwarmKit version is newer than swarmguard knows`);
  if (rec.algorithm !== RecordAlgorithm.SECRETBOX_SALSA20_POLY1305 && rec.nonce.length !== 0) throw bad(`a ${c.name} record carries a nonce`);
  return c;
}

/** Open a record with a KEK; NONE needs no key. Undefined when the key does not open it. */
export function openRecord(rec: MaybeEncryptedRecord, kek: Uint8Array | undefined): Buffer | undefined {
  const c = codecFor(rec);
  if (rec.algorithm === RecordAlgorithm.NONE) return c.open(rec, new Uint8Array(0));
  if (!kek || kek.length !== U.keyBytes) return undefined;
  return c.open(rec, kek);
}

/** Seal a DEK under a KEK with the given algorithm (SwarmKit's default is secretbox, FIPS uses Fernet). */
export function sealRecord(plaintext: Uint8Array, kek: Uint8Array, algorithm: number, options: { random?: (n: number) => Buffer; now?: Date } = {}): MaybeEncryptedRecord {
  const c = RECORD_CODECS[algorithm];
  if (!c || algorithm === RecordAlgorithm.NONE) throw new TypeError(`sealRecord: cannot seal with algorithm ${algorithm}`);
  return c.seal(plaintext, kek, options.random ?? randomBytes, options.now ?? new Date(0));
}

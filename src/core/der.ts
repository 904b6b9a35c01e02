/**
 * A small strict DER reader and writer for the certificate-issuing hot path.
 *
 * Why hand-written: @peculiar/asn1-schema serialization costs ~5 ms per
 * certificate (measured, see the CA issue and docs/benchmarks.md); issuing
 * needs only a handful of constructs, written from templates. Everything
 * else in the project parses through @peculiar/x509. Tests check that
 * @peculiar/x509 and openssl read what this writes identically.
 */
import { InputError } from '../errors.js';

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// ---------------------------------------------------------------- writer

function headerLength(n: number): number {
  return n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : n < 0x1000000 ? 5 : 6;
}

/** Write tag + definite length into `out` at 0; returns the header size. */
function writeHeader(out: Buffer, tag: number, n: number): number {
  out[0] = tag;
  if (n < 0x80) {
    out[1] = n;
    return 2;
  }
  const h = headerLength(n);
  out[1] = 0x80 | (h - 2);
  for (let i = h - 1, v = n; i >= 2; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return h;
}

/** One TLV around the concatenation of `content`, in a single allocation (hot path). */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  let n = 0;
  for (const c of content) n += c.length;
  const out = Buffer.allocUnsafe(headerLength(n) + n);
  let p = writeHeader(out, tag, n);
  for (const c of content) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

export const seq = (...c: Uint8Array[]): Buffer => tlv(Tag.SEQUENCE, ...c);
export const set = (...c: Uint8Array[]): Buffer => tlv(Tag.SET, ...c);
export const octets = (b: Uint8Array): Buffer => tlv(Tag.OCTET_STRING, b);
export const bitString = (b: Uint8Array, unusedBits = 0): Buffer => tlv(Tag.BIT_STRING, Buffer.from([unusedBits]), b);
export const bool = (v: boolean): Buffer => tlv(Tag.BOOLEAN, Buffer.from([v ? 0xff : 0x00]));
export const explicit = (n: number, ...c: Uint8Array[]): Buffer => tlv(0xa0 | n, ...c);
/** Context-specific primitive [n] IMPLICIT (SAN dNSName is [2], iPAddress [7]). */
export const implicitPrim = (n: number, b: Uint8Array): Buffer => tlv(0x80 | n, b);

/** INTEGER from unsigned big-endian magnitude bytes (leading zeros trimmed, sign byte added). */
export function uint(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let b = Buffer.from(magnitude.subarray(i));
  if (b.length === 0) b = Buffer.from([0]);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(Tag.INTEGER, b);
}

export function smallInt(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new TypeError(`smallInt: ${n}`);
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return uint(Buffer.from(bytes));
}

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map((a) => Number.parseInt(a, 10));
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new TypeError(`oid: ${dotted}`);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  const enc = tlv(Tag.OID, Buffer.from(out));
  oidCache.set(dotted, enc);
  return enc;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** PrintableString when the text allows it (Go's choice), else UTF8String. */
export function directoryString(s: string): Buffer {
  return PRINTABLE.test(s) ? tlv(Tag.PRINTABLE_STRING, Buffer.from(s, 'latin1')) : tlv(Tag.UTF8_STRING, Buffer.from(s, 'utf8'));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Z. */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTC_TIME, Buffer.from(pad(y % 100) + rest, 'latin1'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(pad(y, 4) + rest, 'latin1'));
}

// ---------------------------------------------------------------- reader

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

function derError(what: string, why: string): InputError {
  return new InputError('ERR_DER_MALFORMED', `${what}: malformed DER (${why}); the file is damaged or not of this kind`);
}

/** Read one TLV at `pos`, strictly (single-byte tags, definite minimal lengths) and within `limit`. */
export function readTlv(buf: Uint8Array, pos: number, limit: number = buf.length, what = 'input'): Tlv {
  if (pos + 2 > limit) throw derError(what, 'truncated header');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw derError(what, 'multi-byte tag');
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw derError(what, 'indefinite length');
    if (n > 4) throw derError(what, 'length too large');
    if (p + n > limit) throw derError(what, 'truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (buf[p] === 0 || len < 0x80) throw derError(what, 'non-minimal length');
    p += n;
  }
  if (p + len > limit) throw derError(what, 'content runs past its container');
  return { tag, start: pos, contentStart: p, end: p + len };
}

/** The children of a constructed TLV, strictly covering its content. */
export function children(buf: Uint8Array, parent: Tlv, what = 'input', max = 10_000): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const t = readTlv(buf, p, parent.end, what);
    out.push(t);
    if (out.length > max) throw derError(what, 'too many elements');
    p = t.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string, field: string): Tlv {
  if (!t) throw derError(what, `${field} missing`);
  if (t.tag !== tag) throw derError(what, `${field} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

export const bytesOf = (buf: Uint8Array, t: Tlv): Buffer => Buffer.from(buf.subarray(t.start, t.end));
export const contentOf = (buf: Uint8Array, t: Tlv): Buffer => Buffer.from(buf.subarray(t.contentStart, t.end));

/** Decode an OID's content to dotted form (bounded). */
export function decodeOid(content: Uint8Array, what = 'input'): string {
  if (content.length === 0 || content.length > 64) throw derError(what, 'bad OBJECT IDENTIFIER length');
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (v === 0 && b === 0x80) throw derError(what, 'non-minimal OBJECT IDENTIFIER');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw derError(what, 'OBJECT IDENTIFIER arc too large');
    if (!(b & 0x80)) {
      if (arcs.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(first, v - first * 40);
      } else arcs.push(v);
      v = 0;
    } else if (i === content.length - 1) throw derError(what, 'truncated OBJECT IDENTIFIER');
  }
  return arcs.join('.');
}

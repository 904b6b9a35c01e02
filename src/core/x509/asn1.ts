/**
 * Strict DER field readers for the X.509 parser, on top of core/der.ts.
 * Every reader throws `MalformedCert` (turned into InputError ERR_X509_MALFORMED
 * by parse.ts) and does work linear in its input.
 */
import { Tag, readTlv, children, contentOf, decodeOid, type Tlv } from '../der.js';

/** Internal: a structural defect; parse.ts turns it into an InputError. */
export class MalformedCert extends Error {}

export function fail(why: string): never {
  throw new MalformedCert(why);
}

export const TAG = Tag;

/** A view over one DER buffer: the readers below take (view, tlv). */
export interface Der {
  buf: Buffer;
}

export function top(buf: Buffer, field: string): Tlv {
  const t = readTlv(buf, 0, buf.length, field);
  if (t.end !== buf.length) fail(`${field} has trailing data`);
  return t;
}

export function kids(d: Der, t: Tlv, field: string, max = 10_000): Tlv[] {
  return children(d.buf, t, field, max);
}

export function expect(t: Tlv | undefined, tag: number, field: string): Tlv {
  if (!t) fail(`${field} is missing`);
  if (t.tag !== tag) fail(`${field} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

export function content(d: Der, t: Tlv): Buffer {
  return contentOf(d.buf, t);
}

export function whole(d: Der, t: Tlv): Buffer {
  return Buffer.from(d.buf.subarray(t.start, t.end));
}

/** INTEGER content, checked for minimal two's-complement encoding. */
export function integerBytes(d: Der, t0: Tlv | undefined, field: string): Buffer {
  const t = expect(t0, TAG.INTEGER, field);
  const c = content(d, t);
  if (c.length === 0) fail(`${field} is an empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && !(c[1]! & 0x80)) || (c[0] === 0xff && c[1]! & 0x80))) {
    fail(`${field} is a non-minimal INTEGER`);
  }
  return c;
}

/** A small non-negative INTEGER (pathLen, version, skipCerts). */
export function smallUint(d: Der, t: Tlv | undefined, field: string, max: number): number {
  const c = integerBytes(d, t, field);
  if (c[0]! & 0x80) fail(`${field} is negative`);
  if (c.length > 4) fail(`${field} is out of range`);
  let v = 0;
  for (const b of c) v = v * 256 + b;
  if (v > max) fail(`${field} is ${v}, above ${max}`);
  return v;
}

/** DER BOOLEAN: one byte, 0x00 or 0xff. */
export function boolean(d: Der, t0: Tlv | undefined, field: string): boolean {
  const t = expect(t0, TAG.BOOLEAN, field);
  const c = content(d, t);
  if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) fail(`${field} is not a DER BOOLEAN`);
  return c[0] === 0xff;
}

export function oidOf(d: Der, t0: Tlv | undefined, field: string): string {
  const t = expect(t0, TAG.OID, field);
  try {
    return decodeOid(content(d, t), field);
  } catch {
    return fail(`${field} is not a valid OBJECT IDENTIFIER`);
  }
}

export interface BitString {
  bytes: Buffer;
  unusedBits: number;
}

/** DER BIT STRING: unused-bit count 0..7, zero when empty, and the unused bits themselves zero. */
export function bitString(d: Der, t0: Tlv | undefined, field: string): BitString {
  const t = expect(t0, TAG.BIT_STRING, field);
  const c = content(d, t);
  if (c.length === 0) fail(`${field} is an empty BIT STRING`);
  const unusedBits = c[0]!;
  if (unusedBits > 7) fail(`${field} has ${unusedBits} unused bits`);
  if (c.length === 1 && unusedBits !== 0) fail(`${field} is empty but claims unused bits`);
  if (c.length > 1 && (c[c.length - 1]! & ((1 << unusedBits) - 1)) !== 0) fail(`${field} has non-zero unused bits`);
  return { bytes: Buffer.from(c.subarray(1)), unusedBits };
}

/** A BIT STRING that must hold whole octets (signatures, public keys). */
export function octetAlignedBits(d: Der, t: Tlv | undefined, field: string): Buffer {
  const b = bitString(d, t, field);
  if (b.unusedBits !== 0) fail(`${field} is not octet-aligned`);
  return b.bytes;
}

export function octetString(d: Der, t0: Tlv | undefined, field: string): Buffer {
  const t = expect(t0, TAG.OCTET_STRING, field);
  return content(d, t);
}

// ---------------------------------------------------------------- time

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), RFC 5280 4.1.2.5 forms only. */
export function time(d: Der, t0: Tlv | undefined, field: string): Date {
  const t = t0 ?? fail(`${field} is missing`);
  const s = content(d, t).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) fail(`${field} is not a UTCTime of the form YYMMDDHHMMSSZ`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) fail(`${field} is not a GeneralizedTime of the form YYYYMMDDHHMMSSZ`);
    year = Number(m[1]);
  } else return fail(`${field} is not a time`);
  const [mo, da, hh, mi, ss] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (mo < 1 || mo > 12 || da < 1 || da > DAYS[mo - 1]! || (mo === 2 && da === 29 && !leap) || hh > 23 || mi > 59 || ss > 59) {
    fail(`${field} is not a valid date`);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, mo - 1, da);
  date.setUTCHours(hh, mi, ss, 0);
  return date;
}

// ---------------------------------------------------------------- strings

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One row per directory string type: how to check and decode it. */
const STRING_TYPES: Record<number, (b: Buffer) => string | undefined> = {
  [TAG.UTF8_STRING]: (b) => {
    try {
      return utf8.decode(b);
    } catch {
      return undefined;
    }
  },
  [TAG.PRINTABLE_STRING]: (b) => {
    const s = b.toString('latin1');
    return PRINTABLE.test(s) ? s : undefined;
  },
  [TAG.IA5_STRING]: (b) => (b.every((c) => c < 0x80) ? b.toString('latin1') : undefined),
  [TAG.VISIBLE_STRING]: (b) => (b.every((c) => c >= 0x20 && c < 0x7f) ? b.toString('latin1') : undefined),
  [TAG.NUMERIC_STRING]: (b) => (b.every((c) => c === 0x20 || (c >= 0x30 && c <= 0x39)) ? b.toString('latin1') : undefined),
  // T.61 is treated as Latin-1, as most verifiers do.
  [TAG.TELETEX_STRING]: (b) => b.toString('latin1'),
  [TAG.BMP_STRING]: (b) => {
    if (b.length % 2 !== 0) return undefined;
    let s = '';
    for (let i = 0; i < b.length; i += 2) {
      const u = b.readUInt16BE(i);
      if (u >= 0xd800 && u <= 0xdfff) return undefined;
      s += String.fromCharCode(u);
    }
    return s;
  },
  [TAG.UNIVERSAL_STRING]: (b) => {
    if (b.length % 4 !== 0) return undefined;
    let s = '';
    for (let i = 0; i < b.length; i += 4) {
      const u = b.readUInt32BE(i);
      if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) return undefined;
      s += String.fromCodePoint(u);
    }
    return s;
  },
};

/** Decode a directory string; undefined for non-string tags; MalformedCert for a bad encoding. */
export function directoryString(d: Der, t: Tlv, field: string): string | undefined {
  const dec = STRING_TYPES[t.tag];
  if (!dec) return undefined;
  const s = dec(content(d, t));
  if (s === undefined) fail(`${field} has an invalid string encoding (tag ${t.tag})`);
  return s;
}

/** IA5String content as text (SAN/name-constraint names), ASCII only. */
export function ia5(d: Der, t: Tlv, field: string): string {
  const c = content(d, t);
  if (!c.every((b) => b < 0x80)) fail(`${field} is not ASCII`);
  return c.toString('latin1');
}

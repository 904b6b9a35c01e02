/**
 * Distinguished names and GeneralNames: strict parsing, comparison keys
 * (RFC 5280 7.1, simplified: case-folded, whitespace-collapsed strings) and
 * a readable rendering.
 */
import type { Tlv } from '../der.js';
import { TAG, content, directoryString, expect, fail, ia5, kids, oidOf, whole, type Der } from './asn1.js';

export interface AttributeValue {
  type: string;
  /** The value's ASN.1 tag. */
  tag: number;
  /** Decoded text for directory-string types; undefined for anything else. */
  text: string | undefined;
  /** The value's full DER. */
  der: Buffer;
}

export interface DistinguishedName {
  /** The full DER of the Name. */
  der: Buffer;
  rdns: AttributeValue[][];
  /** Comparison key: equal keys mean the names match under RFC 5280 7.1 (simplified). */
  key: string;
  /** RFC 4514-style text, most significant RDN first (CN=..., O=...). */
  text: string;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};
export const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

const MAX_RDNS = 256;

/** Case-fold and collapse whitespace, as RFC 4518 string preparation does for the common cases. */
function normalize(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

function escapeValue(s: string): string {
  return s.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ').replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function parseName(d: Der, t: Tlv, field: string): DistinguishedName {
  expect(t, TAG.SEQUENCE, field);
  const rdns: AttributeValue[][] = [];
  for (const rdnT of kids(d, t, field, MAX_RDNS)) {
    expect(rdnT, TAG.SET, `${field} RDN`);
    const avas = kids(d, rdnT, `${field} RDN`, MAX_RDNS);
    if (avas.length === 0) fail(`${field} has an empty RDN`);
    const rdn: AttributeValue[] = [];
    for (const avaT of avas) {
      expect(avaT, TAG.SEQUENCE, `${field} attribute`);
      const [typeT, valueT, extra] = kids(d, avaT, `${field} attribute`);
      if (!valueT || extra) fail(`${field} attribute must hold a type and one value`);
      const type = oidOf(d, typeT!, `${field} attribute type`);
      rdn.push({ type, tag: valueT.tag, text: directoryString(d, valueT, `${field} ${SHORT_NAMES[type] ?? type}`), der: whole(d, valueT) });
    }
    rdns.push(rdn);
  }
  return { der: whole(d, t), rdns, key: nameKey(rdns), text: nameText(rdns) };
}

function rdnKey(rdn: AttributeValue[]): string[] {
  return rdn.map((a) => `${a.type}=${a.text !== undefined ? 's:' + normalize(a.text) : 'x:' + a.der.toString('hex')}`).sort();
}

function nameKey(rdns: AttributeValue[][]): string {
  return JSON.stringify(rdns.map(rdnKey));
}

function nameText(rdns: AttributeValue[][]): string {
  return rdns
    .slice()
    .reverse()
    .map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.type] ?? a.type}=${a.text !== undefined ? escapeValue(a.text) : '#' + a.der.toString('hex')}`).join('+'))
    .join(', ');
}

/** Decoded values of one attribute type in a name, in RDN order (multi-valued RDNs included). */
export function nameAttributes(name: DistinguishedName, type: string): string[] {
  return name.rdns.flat().filter((a) => a.type === type && a.text !== undefined).map((a) => a.text!);
}

/** True when `prefix`'s RDNs are the first RDNs of `name` (directoryName constraint match). */
export function nameHasPrefix(name: DistinguishedName, prefix: DistinguishedName): boolean {
  if (prefix.rdns.length > name.rdns.length) return false;
  for (let i = 0; i < prefix.rdns.length; i++) {
    if (JSON.stringify(rdnKey(prefix.rdns[i]!)) !== JSON.stringify(rdnKey(name.rdns[i]!))) return false;
  }
  return true;
}

// ---------------------------------------------------------------- GeneralName

export type GeneralName =
  | { type: 'dns'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'ip'; bytes: Buffer }
  | { type: 'dn'; name: DistinguishedName }
  | { type: 'other'; tag: number };

/**
 * One GeneralName. `ipLengths` differs between SANs (4/16 bytes) and name
 * constraints (address plus mask: 8/32 bytes).
 */
export function parseGeneralName(d: Der, t: Tlv, field: string, ipLengths: readonly number[]): GeneralName {
  switch (t.tag) {
    case 0x81:
      return { type: 'email', value: ia5(d, t, `${field} rfc822Name`) };
    case 0x82:
      return { type: 'dns', value: ia5(d, t, `${field} dNSName`) };
    case 0x86:
      return { type: 'uri', value: ia5(d, t, `${field} URI`) };
    case 0x87: {
      const bytes = content(d, t);
      if (!ipLengths.includes(bytes.length)) fail(`${field} iPAddress has ${bytes.length} bytes`);
      return { type: 'ip', bytes };
    }
    case 0xa4: {
      const [inner, extra] = kids(d, t, `${field} directoryName`);
      if (!inner || extra) fail(`${field} directoryName must hold one Name`);
      return { type: 'dn', name: parseName(d, inner, `${field} directoryName`) };
    }
    case 0xa0: // otherName
    case 0xa3: // x400Address
    case 0xa5: // ediPartyName
    case 0x88: // registeredID
      return { type: 'other', tag: t.tag };
    default:
      return fail(`${field} has an unknown GeneralName tag 0x${t.tag.toString(16)}`);
  }
}

export function parseGeneralNames(d: Der, t: Tlv, field: string, ipLengths: readonly number[], max: number): GeneralName[] {
  expect(t, TAG.SEQUENCE, field);
  const items = kids(d, t, field, max);
  if (items.length === 0) fail(`${field} is an empty sequence`);
  return items.map((g) => parseGeneralName(d, g, field, ipLengths));
}

export function generalNameText(g: GeneralName): string {
  switch (g.type) {
    case 'dns':
      return `DNS:${g.value}`;
    case 'email':
      return `email:${g.value}`;
    case 'uri':
      return `URI:${g.value}`;
    case 'ip':
      return `IP:${ipText(g.bytes)}`;
    case 'dn':
      return `DirName:${g.name.text}`;
    case 'other':
      return `other:[${g.tag & 0x1f}]`;
  }
}

export function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
    return words.join(':');
  }
  if (b.length === 8 || b.length === 32) return `${ipText(b.subarray(0, b.length / 2))}/${ipText(b.subarray(b.length / 2))}`;
  return b.toString('hex');
}

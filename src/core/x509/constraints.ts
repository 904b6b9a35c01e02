/**
 * Name matching: name constraints (RFC 5280 4.2.1.10: DNS, IP, directory
 * name, rfc822 and URI forms) and reference-identity matching of a host
 * against SANs (RFC 6125: DNS with one leftmost wildcard label, IP exact, no
 * CN fallback).
 */
import { isIP } from 'node:net';
import { defaults } from '../../defaults.js';
import { OID_EMAIL_ADDRESS, generalNameText, ipText, nameHasPrefix, type GeneralName } from './names.js';
import type { NameConstraints } from './extensions.js';
import type { ParsedCert } from './types.js';

/**
 * A certificate with SAN names × constraints (DNS, IP and directory names)
 * above this is refused before any comparison: BoringSSL's limit, which
 * bounds the work hostile name lists can cause.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = defaults.x509.maxNameConstraintChecks;

export type ConstraintResult = { ok: true; comparisons: number } | { ok: false; budget: boolean; reason: string };

// ---------------------------------------------------------------- hosts

export type Host = { type: 'dns'; name: string } | { type: 'ip'; bytes: Buffer };

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

function ipv4Bytes(s: string): Buffer {
  return Buffer.from(s.split('.').map(Number));
}

/** IPv6 text (already validated by net.isIP) to 16 bytes; handles :: and a trailing dotted quad. */
function ipv6Bytes(s: string): Buffer {
  let text = s.replace(/%.*$/, '');
  let v4: number[] = [];
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (m) {
    const b = ipv4Bytes(m[1]!);
    v4 = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    text = text.slice(0, -m[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const words = (p: string): number[] => (p === '' ? [] : p.split(':').map((w) => parseInt(w, 16)));
  let groups: number[];
  if (text.includes('::')) {
    const [a = '', b = ''] = text.split('::');
    const left = words(a);
    const right = [...words(b), ...v4];
    groups = [...left, ...new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
  } else groups = [...words(text), ...v4];
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((w, i) => out.writeUInt16BE(w & 0xffff, i * 2));
  return out;
}

/** Parse a reference identity: an IPv4/IPv6 address (brackets allowed) or a DNS name; undefined if neither. */
export function parseHost(host: string): Host | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const kind = isIP(bare);
  if (kind === 4) return { type: 'ip', bytes: ipv4Bytes(bare) };
  if (kind === 6) return { type: 'ip', bytes: ipv6Bytes(bare) };
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) return undefined;
  return { type: 'dns', name };
}

/** RFC 6125 6.4.3: the wildcard is the whole leftmost label and stands for exactly one label. */
function dnsIdMatches(presented: string, reference: string): boolean {
  const p = presented.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return !p.includes('*') && p === reference;
  const rest = p.slice(2);
  // A wildcard needs at least two labels under it (no *.com) and may not hide another wildcard.
  if (rest.includes('*') || !rest.includes('.')) return false;
  const dot = reference.indexOf('.');
  return dot > 0 && reference.slice(dot + 1) === rest;
}

/** Does the leaf's SAN contain `host`? */
export function matchHost(cert: ParsedCert, host: Host): boolean {
  const san = cert.ext.subjectAltName ?? [];
  return san.some((g) => (host.type === 'ip' ? g.type === 'ip' && g.bytes.equals(host.bytes) : g.type === 'dns' && dnsIdMatches(g.value, host.name)));
}

export function hostText(h: Host): string {
  return h.type === 'dns' ? h.name : ipText(h.bytes);
}

// ---------------------------------------------------------------- constraints

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c) && n.length > c.length;
  return n === c || n.endsWith('.' + c);
}

/** For an excluded subtree, a wildcard name is excluded if any name it stands for would be. */
function dnsExcludedBy(name: string, constraint: string): boolean {
  if (dnsWithin(name, constraint)) return true;
  if (!name.startsWith('*.')) return false;
  const c = constraint.toLowerCase().replace(/\.$/, '');
  const dot = c.indexOf('.');
  return !c.startsWith('.') && dot > 0 && c.slice(dot + 1) === name.slice(2).toLowerCase();
}

function validMask(mask: Buffer): boolean {
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

function ipWithin(addr: Buffer, constraint: Buffer): boolean {
  if (constraint.length !== addr.length * 2) return false;
  const base = constraint.subarray(0, addr.length);
  const mask = constraint.subarray(addr.length);
  for (let i = 0; i < addr.length; i++) if ((addr[i]! & mask[i]!) !== (base[i]! & mask[i]!)) return false;
  return true;
}

function emailWithin(mailbox: string, constraint: string): boolean {
  const at = mailbox.lastIndexOf('@');
  if (at < 0) return false;
  const domain = mailbox.slice(at + 1).toLowerCase();
  if (constraint.includes('@')) {
    const cat = constraint.lastIndexOf('@');
    return mailbox.slice(0, at) === constraint.slice(0, cat) && domain === constraint.slice(cat + 1).toLowerCase();
  }
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return domain.endsWith(c);
  return domain === c;
}

function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (!m) return undefined;
  let auth = m[1]!;
  auth = auth.slice(auth.lastIndexOf('@') + 1);
  if (auth.startsWith('[')) return undefined; // IP-literal hosts cannot match a domain constraint
  const host = auth.replace(/:\d*$/, '').toLowerCase();
  return host === '' ? undefined : host;
}

function uriWithin(uri: string, constraint: string): boolean {
  const host = uriHost(uri);
  if (host === undefined) return false;
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return host.endsWith(c) && host.length > c.length;
  return host === c;
}

const FORM_OF = (g: GeneralName): string => (g.type === 'other' ? `other:${g.tag}` : g.type);

/** Does constraint `c` (same form as `n`) cover name `n`? `excluded` selects the wildcard-aware DNS rule. */
function within(n: GeneralName, c: GeneralName, excluded: boolean): boolean {
  if (n.type === 'dns' && c.type === 'dns') return excluded ? dnsExcludedBy(n.value, c.value) : dnsWithin(n.value, c.value);
  if (n.type === 'ip' && c.type === 'ip') return ipWithin(n.bytes, c.bytes);
  if (n.type === 'email' && c.type === 'email') return emailWithin(n.value, c.value);
  if (n.type === 'uri' && c.type === 'uri') return uriWithin(n.value, c.value);
  if (n.type === 'dn' && c.type === 'dn') return nameHasPrefix(n.name, c.name);
  // Forms we cannot compare: treat as matching, which permits nothing unknown and excludes conservatively.
  return true;
}

/** The names a constraint applies to: SAN entries, the subject DN, and subject emailAddress values when there is no SAN. */
function constrainedNames(cert: ParsedCert): GeneralName[] {
  const names: GeneralName[] = [...(cert.ext.subjectAltName ?? [])];
  if (cert.subject.rdns.length > 0) names.push({ type: 'dn', name: cert.subject });
  if (!cert.ext.subjectAltName) {
    for (const rdn of cert.subject.rdns) for (const a of rdn) if (a.type === OID_EMAIL_ADDRESS && a.text !== undefined) names.push({ type: 'email', value: a.text });
  }
  return names;
}

const COUNTED = new Set(['dns', 'ip', 'dn']);

/** Check every name of `cert` against one CA's name constraints. */
export function checkNameConstraints(cert: ParsedCert, nc: NameConstraints): ConstraintResult {
  for (const c of [...nc.permitted, ...nc.excluded]) {
    if (c.type === 'ip' && !validMask(c.bytes.subarray(c.bytes.length / 2))) {
      return { ok: false, budget: false, reason: `the name constraint ${generalNameText(c)} has a non-contiguous netmask` };
    }
  }
  const names = constrainedNames(cert);
  const sanCounted = (cert.ext.subjectAltName ?? []).filter((g) => COUNTED.has(g.type)).length;
  const ncCounted = [...nc.permitted, ...nc.excluded].filter((g) => COUNTED.has(g.type)).length;
  if (sanCounted * ncCounted > MAX_NAME_CONSTRAINT_CHECKS) {
    return { ok: false, budget: true, reason: `${sanCounted} names against ${ncCounted} name constraints is more checks than the limit of ${MAX_NAME_CONSTRAINT_CHECKS}` };
  }
  let comparisons = 0;
  for (const n of names) {
    const form = FORM_OF(n);
    const permitted = nc.permitted.filter((c) => FORM_OF(c) === form);
    comparisons += permitted.length;
    if (permitted.length > 0 && !permitted.some((c) => within(n, c, false))) {
      return { ok: false, budget: false, reason: `${generalNameText(n)} is not within the permitted subtrees` };
    }
    const excluded = nc.excluded.filter((c) => FORM_OF(c) === form);
    comparisons += excluded.length;
    const hit = excluded.find((c) => within(n, c, true));
    if (hit) return { ok: false, budget: false, reason: `${generalNameText(n)} is in the excluded subtree ${generalNameText(hit)}` };
  }
  return { ok: true, comparisons };
}

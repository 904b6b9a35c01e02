/**
 * Certificate extensions: one table row per extension we parse. A row says
 * whether the validator acts on the extension (`understood`), which decides
 * whether it may be critical, and parses the value strictly.
 */
import type { Tlv } from '../der.js';
import { defaults } from '../../defaults.js';
import { TAG, bitString, boolean, expect, fail, integerBytes, kids, octetString, oidOf, smallUint, top, type Der } from './asn1.js';
import { parseGeneralName, parseGeneralNames, type GeneralName } from './names.js';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
} as const;

export const EKU = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/** RFC 5280 caps a pathLenConstraint we accept at 255, as BoringSSL does. */
const MAX_PATH_LEN = defaults.x509.maxPathLen;
/** Bounds on list sizes inside one extension (far above real certificates). */
const MAX_ITEMS = 4096;

export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface NameConstraints {
  permitted: GeneralName[];
  excluded: GeneralName[];
}

export interface PolicyInformation {
  oid: string;
  qualifiers: string[];
}

/** What the parsed extensions say; fields are absent when the extension is. */
export interface ExtensionValues {
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: KeyUsageName[];
  extKeyUsage?: string[];
  subjectAltName?: GeneralName[];
  nameConstraints?: NameConstraints;
  subjectKeyId?: Buffer;
  authorityKeyId?: { keyId?: Buffer };
  certificatePolicies?: PolicyInformation[];
}

interface ExtensionRow {
  name: string;
  /** The validator enforces this extension's meaning, so it may be critical. */
  understood: boolean;
  parse(d: Der, value: Tlv, out: ExtensionValues): void;
}

const understood = true;

function parseBasicConstraints(d: Der, t: Tlv, out: ExtensionValues): void {
  expect(t, TAG.SEQUENCE, 'basicConstraints');
  const f = kids(d, t, 'basicConstraints', 3);
  let i = 0;
  let ca = false;
  // An explicit FALSE is not DER, but BoringSSL and Go accept it; so do we.
  if (f[i]?.tag === TAG.BOOLEAN) ca = boolean(d, f[i++]!, 'basicConstraints cA');
  let pathLen: number | undefined;
  if (f[i]?.tag === TAG.INTEGER) pathLen = smallUint(d, f[i++]!, 'basicConstraints pathLenConstraint', MAX_PATH_LEN);
  if (i !== f.length) fail('basicConstraints has unexpected fields');
  out.basicConstraints = pathLen === undefined ? { ca } : { ca, pathLen };
}

function parseKeyUsage(d: Der, t: Tlv, out: ExtensionValues): void {
  const bits = bitString(d, t, 'keyUsage');
  const names: KeyUsageName[] = [];
  KEY_USAGE_NAMES.forEach((name, i) => {
    if ((bits.bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) names.push(name);
  });
  if (!bits.bytes.some((b) => b !== 0)) fail('keyUsage has no bit set');
  out.keyUsage = names;
}

function parseExtKeyUsage(d: Der, t: Tlv, out: ExtensionValues): void {
  expect(t, TAG.SEQUENCE, 'extKeyUsage');
  const items = kids(d, t, 'extKeyUsage', MAX_ITEMS);
  if (items.length === 0) fail('extKeyUsage is empty');
  out.extKeyUsage = items.map((o) => oidOf(d, o, 'extKeyUsage purpose'));
}

function parseSan(d: Der, t: Tlv, out: ExtensionValues): void {
  out.subjectAltName = parseGeneralNames(d, t, 'subjectAltName', [4, 16], MAX_ITEMS);
}

function parseSubtrees(d: Der, t: Tlv, field: string): GeneralName[] {
  const subtrees = kids(d, t, field, MAX_ITEMS);
  if (subtrees.length === 0) fail(`${field} is empty`);
  return subtrees.map((s) => {
    expect(s, TAG.SEQUENCE, `${field} subtree`);
    const [base, ...rest] = kids(d, s, `${field} subtree`);
    // RFC 5280 4.2.1.10: minimum is 0 (so absent in DER) and maximum is absent.
    if (!base || rest.length > 0) fail(`${field} subtree has minimum/maximum fields`);
    return parseGeneralName(d, base, field, [8, 32]);
  });
}

function parseNameConstraints(d: Der, t: Tlv, out: ExtensionValues): void {
  expect(t, TAG.SEQUENCE, 'nameConstraints');
  const f = kids(d, t, 'nameConstraints', 3);
  const nc: NameConstraints = { permitted: [], excluded: [] };
  let i = 0;
  if (f[i]?.tag === 0xa0) nc.permitted = parseSubtrees(d, f[i++]!, 'nameConstraints permittedSubtrees');
  if (f[i]?.tag === 0xa1) nc.excluded = parseSubtrees(d, f[i++]!, 'nameConstraints excludedSubtrees');
  if (i !== f.length || i === 0) fail('nameConstraints must hold permitted and/or excluded subtrees only');
  out.nameConstraints = nc;
}

function parseSki(d: Der, t: Tlv, out: ExtensionValues): void {
  out.subjectKeyId = octetString(d, t, 'subjectKeyIdentifier');
}

function parseAki(d: Der, t: Tlv, out: ExtensionValues): void {
  expect(t, TAG.SEQUENCE, 'authorityKeyIdentifier');
  const f = kids(d, t, 'authorityKeyIdentifier', 4);
  const aki: { keyId?: Buffer } = {};
  let i = 0;
  if (f[i]?.tag === 0x80) aki.keyId = Buffer.from(d.buf.subarray(f[i]!.contentStart, f[i++]!.end));
  // [1] IMPLICIT GeneralNames: the context tag replaces the SEQUENCE tag.
  if (f[i]?.tag === 0xa1) parseGeneralNames(d, { ...f[i++]!, tag: TAG.SEQUENCE }, 'authorityKeyIdentifier authorityCertIssuer', [4, 16], MAX_ITEMS);
  if (f[i]?.tag === 0x82) {
    integerBytes(d, { ...f[i]!, tag: TAG.INTEGER }, 'authorityKeyIdentifier authorityCertSerialNumber');
    i++;
  }
  if (i !== f.length) fail('authorityKeyIdentifier has unexpected fields');
  out.authorityKeyId = aki;
}

function parsePolicies(d: Der, t: Tlv, out: ExtensionValues): void {
  expect(t, TAG.SEQUENCE, 'certificatePolicies');
  const items = kids(d, t, 'certificatePolicies', MAX_ITEMS);
  if (items.length === 0) fail('certificatePolicies is empty');
  const seen = new Set<string>();
  out.certificatePolicies = items.map((p) => {
    expect(p, TAG.SEQUENCE, 'PolicyInformation');
    const [idT, qualsT, extra] = kids(d, p, 'PolicyInformation');
    if (extra) fail('PolicyInformation has extra fields');
    const oid = oidOf(d, idT!, 'policyIdentifier');
    if (seen.has(oid)) fail(`certificatePolicies lists ${oid} twice`);
    seen.add(oid);
    const qualifiers: string[] = [];
    if (qualsT) {
      expect(qualsT, TAG.SEQUENCE, 'policyQualifiers');
      const qs = kids(d, qualsT, 'policyQualifiers', MAX_ITEMS);
      if (qs.length === 0) fail('policyQualifiers is empty');
      for (const q of qs) {
        expect(q, TAG.SEQUENCE, 'PolicyQualifierInfo');
        const [qid, qval, more] = kids(d, q, 'PolicyQualifierInfo');
        if (!qval || more) fail('PolicyQualifierInfo must hold an id and a qualifier');
        qualifiers.push(oidOf(d, qid!, 'policyQualifierId'));
      }
    }
    return { oid, qualifiers };
  });
}

function parsePolicyConstraints(d: Der, t: Tlv): void {
  expect(t, TAG.SEQUENCE, 'policyConstraints');
  const f = kids(d, t, 'policyConstraints', 3);
  let i = 0;
  for (const tag of [0x80, 0x81]) {
    if (f[i]?.tag === tag) smallUint(d, { ...f[i++]!, tag: TAG.INTEGER }, 'policyConstraints skipCerts', Number.MAX_SAFE_INTEGER);
  }
  if (i !== f.length || i === 0) fail('policyConstraints must hold requireExplicitPolicy and/or inhibitPolicyMapping');
}

function parsePolicyMappings(d: Der, t: Tlv): void {
  expect(t, TAG.SEQUENCE, 'policyMappings');
  const items = kids(d, t, 'policyMappings', MAX_ITEMS);
  if (items.length === 0) fail('policyMappings is empty');
  for (const m of items) {
    expect(m, TAG.SEQUENCE, 'policyMapping');
    const [a, b, extra] = kids(d, m, 'policyMapping');
    if (!b || extra) fail('policyMapping must hold two policies');
    oidOf(d, a!, 'issuerDomainPolicy');
    oidOf(d, b, 'subjectDomainPolicy');
  }
}

/**
 * The extensions we parse. Policy processing is not implemented, so the
 * policy-constraining extensions are parsed but not `understood`: a
 * critical one makes the certificate unusable as webpki does.
 */
export const EXTENSIONS: Readonly<Record<string, ExtensionRow>> = {
  [EXT.basicConstraints]: { name: 'basicConstraints', understood, parse: parseBasicConstraints },
  [EXT.keyUsage]: { name: 'keyUsage', understood, parse: parseKeyUsage },
  [EXT.extKeyUsage]: { name: 'extKeyUsage', understood, parse: parseExtKeyUsage },
  [EXT.subjectAltName]: { name: 'subjectAltName', understood, parse: parseSan },
  [EXT.nameConstraints]: { name: 'nameConstraints', understood, parse: parseNameConstraints },
  [EXT.subjectKeyIdentifier]: { name: 'subjectKeyIdentifier', understood, parse: parseSki },
  [EXT.authorityKeyIdentifier]: { name: 'authorityKeyIdentifier', understood, parse: parseAki },
  // Understood as "no policy required": a critical one is fine unless it carries unknown qualifiers (checked in verify).
  [EXT.certificatePolicies]: { name: 'certificatePolicies', understood, parse: parsePolicies },
  [EXT.policyConstraints]: { name: 'policyConstraints', understood: false, parse: (d, t) => parsePolicyConstraints(d, t) },
  [EXT.policyMappings]: { name: 'policyMappings', understood: false, parse: (d, t) => parsePolicyMappings(d, t) },
  [EXT.inhibitAnyPolicy]: {
    name: 'inhibitAnyPolicy',
    understood: false,
    parse: (d, t) => void smallUint(d, t, 'inhibitAnyPolicy', Number.MAX_SAFE_INTEGER),
  },
};

/** Policy qualifiers RFC 5280 defines (CPS pointer, user notice); others in a critical extension are not understood. */
export const KNOWN_POLICY_QUALIFIERS: readonly string[] = ['1.3.6.1.5.5.7.2.1', '1.3.6.1.5.5.7.2.2'];

const MAX_EXTENSIONS = 256;

/** Parse the [3] extensions field: a non-empty list, no duplicates, DER-correct criticality. */
export function parseExtensions(d: Der, t: Tlv): { list: Extension[]; values: ExtensionValues } {
  const [seq, extra] = kids(d, t, 'extensions');
  if (!seq || extra) fail('the extensions field must hold one SEQUENCE');
  expect(seq, TAG.SEQUENCE, 'extensions');
  const items = kids(d, seq, 'extensions', MAX_EXTENSIONS);
  if (items.length === 0) fail('the extensions SEQUENCE is empty');
  const list: Extension[] = [];
  const values: ExtensionValues = {};
  const seen = new Set<string>();
  for (const e of items) {
    expect(e, TAG.SEQUENCE, 'extension');
    const f = kids(d, e, 'extension', 4);
    const oid = oidOf(d, f[0]!, 'extension id');
    let i = 1;
    let critical = false;
    if (f[i]?.tag === TAG.BOOLEAN) {
      critical = boolean(d, f[i++]!, `extension ${oid} critical`);
      // DEFAULT FALSE: an explicit FALSE is not DER.
      if (!critical) fail(`extension ${oid} encodes critical FALSE explicitly`);
    }
    const valueT = expect(f[i++], TAG.OCTET_STRING, `extension ${oid} value`);
    if (i !== f.length) fail(`extension ${oid} has extra fields`);
    if (seen.has(oid)) fail(`extension ${oid} appears twice`);
    seen.add(oid);
    const value = Buffer.from(d.buf.subarray(valueT.contentStart, valueT.end));
    list.push({ oid, critical, value });
    const row = EXTENSIONS[oid];
    if (row) {
      const inner = { buf: value };
      row.parse(inner, top(value, row.name), values);
    }
  }
  return { list, values };
}

/**
 * X.509 v2 CRLs for the chain validator (RFC 5280 5, 6.3): parsed through
 * @peculiar/x509 (X509Crl, asn1-schema underneath) plus a strict read of the
 * signed part (the same one mTLS uses), reduced to what revocation checking
 * needs. A CRL we cannot fully honour (delta CRL, issuingDistributionPoint
 * scope, indirect entries, an unknown critical extension) still parses, but is
 * marked `unusable`: it never answers "good" for anyone.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { defaults } from '../../defaults.js';
import { InputError, isSwarmguardError } from '../../errors.js';
import { OID } from '../oids.js';
import { derObjects } from '../pem.js';
import { parseAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import { MalformedCert, TAG, content, expect, kids, octetAlignedBits, time, top, whole, type Der } from './asn1.js';
import { parseName, type DistinguishedName } from './names.js';
import type { ParsedCert } from './types.js';

/** RFC 5280 5.3.1 reason codes (7 is unused). */
export const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};
const REMOVE_FROM_CRL = 8;

/** CRL extensions we act on or may ignore safely when critical. */
const CRL_EXT = {
  authorityKeyId: '2.5.29.35',
  crlNumber: OID.crlNumber,
  issuerAltName: '2.5.29.18',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;
const UNDERSTOOD_CRL_EXTS: ReadonlySet<string> = new Set([CRL_EXT.authorityKeyId, CRL_EXT.crlNumber, CRL_EXT.issuerAltName, CRL_EXT.freshestCrl, CRL_EXT.authorityInfoAccess]);
const ENTRY_EXT = { reasonCode: OID.crlReason, invalidityDate: '2.5.29.24', certificateIssuer: '2.5.29.29', holdInstructionCode: '2.5.29.23' } as const;
const UNDERSTOOD_ENTRY_EXTS: ReadonlySet<string> = new Set([ENTRY_EXT.reasonCode, ENTRY_EXT.invalidityDate, ENTRY_EXT.holdInstructionCode]);

export interface CrlScope {
  /** The DER (hex) of each GeneralName of the IDP's fullName; a certificate must name one in its cRLDistributionPoints. */
  fullNames: string[] | undefined;
  onlyUserCerts: boolean;
  onlyCaCerts: boolean;
}

export interface CrlEntry {
  /** The serial INTEGER's content bytes as encoded, lowercase hex (compare with ParsedCert.serialHex). */
  serialHex: string;
  revocationDate: Date;
  /** RFC 5280 reason name; undefined when the entry has no reasonCode. */
  reason: string | undefined;
}

/** A CRL that passed the parser. Buffers are copies. */
export interface ParsedCrl {
  der: Buffer;
  /** The tbsCertList DER: the signed bytes. */
  tbs: Buffer;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Buffer;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** cRLNumber as a decimal string. */
  number: string | undefined;
  /** Why this CRL cannot decide anyone's status; undefined when it is a direct, full CRL we understand. */
  unusable: string | undefined;
  /** A delta CRL (deltaCRLIndicator): unusable, and its presence makes a base CRL's "good" (or a hold) undecidable. */
  delta: boolean;
  /** The issuingDistributionPoint scope we honour (RFC 5280 5.2.5, 6.3.3 b); undefined: the CRL covers every certificate of its issuer. */
  scope: CrlScope | undefined;
  /** Revoked entries by serial hex (removeFromCRL entries are left out). */
  entries: ReadonlyMap<string, CrlEntry>;
  entryCount: number;
  fingerprint256: string;
}

/**
 * asn1js caps one parse at 10,000 nodes by default, which a CRL of a few
 * hundred entries with reasons exceeds. Every CRL reader passes these limits:
 * an entry takes at most a dozen or so nodes, and the byte cap bounds the rest.
 */
export const CRL_PARSE_OPTIONS = Object.freeze({
  berOptions: { maxNodes: 64 + defaults.x509.maxCrlEntries * 16, maxContentLength: defaults.x509.maxCrlBytes, maxDepth: 100 },
});

const malformed = (what: string, why: string, cause?: unknown): InputError =>
  new InputError('ERR_X509_CRL_MALFORMED', `${what}: malformed X.509 CRL (${why}); the file is damaged or not a CRL`, { cause });

/** The signed part, its algorithm and signature, and the issuer name, read strictly (throws MalformedCert or a SwarmguardError). */
export function crlSignedParts(der: Buffer): { tbs: Buffer; issuer: DistinguishedName; alg: AlgorithmIdentifier; signature: Buffer } {
  const d = { buf: der };
  const list = expect(top(der, 'CertificateList'), TAG.SEQUENCE, 'CertificateList');
  const [tbsT, algT, sigT, extra] = kids(d, list, 'CertificateList', 4);
  if (extra) throw new MalformedCert('CertificateList has extra fields');
  const tbsFields = kids(d, expect(tbsT, TAG.SEQUENCE, 'tbsCertList'), 'tbsCertList', 8);
  let i = tbsFields[0]?.tag === TAG.INTEGER ? 1 : 0;
  const innerAlg = whole(d, expect(tbsFields[i++], TAG.SEQUENCE, 'tbsCertList signature'));
  const alg = parseAlgorithmIdentifier(d, algT, 'CRL signatureAlgorithm');
  // RFC 5280 5.1.1.2: the two algorithm fields must be identical
  if (!innerAlg.equals(alg.der)) throw new MalformedCert('the signature algorithm inside and outside tbsCertList differ');
  if (!tbsFields[i]) throw new MalformedCert('tbsCertList has no issuer');
  const issuer = parseName(d, tbsFields[i]!, 'CRL issuer');
  // RFC 5280 5.1.2.4-5: the times, as strictly as certificate validity (the CRL library is lenient here)
  time(d, tbsFields[i + 1], 'thisUpdate');
  const next = tbsFields[i + 2];
  if (next && (next.tag === TAG.UTC_TIME || next.tag === TAG.GENERALIZED_TIME)) time(d, next, 'nextUpdate');
  return { tbs: whole(d, tbsT!), issuer, alg, signature: octetAlignedBits(d, sigT, 'CRL signature') };
}

function integerText(value: ArrayBuffer): string {
  const b = Buffer.from(value);
  // extension value: INTEGER TLV
  if (b.length < 3 || b[0] !== 0x02 || b[1]! > 0x7f || b[1] !== b.length - 2) throw new MalformedCert('cRLNumber is not a short INTEGER');
  if (b[2]! & 0x80) throw new MalformedCert('cRLNumber is negative');
  return BigInt(`0x${b.subarray(2).toString('hex')}`).toString();
}

const isTrue = (d: Der, t: { tag: number; start: number; contentStart: number; end: number }, field: string): boolean => {
  const c = content(d, t);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new MalformedCert(`${field} is not a DER BOOLEAN`);
  if (c[0] === 0) throw new MalformedCert(`${field} encodes its DEFAULT FALSE`);
  return true;
};

/** DistributionPointName (tagged [0] inside its parent): the hex DER of each fullName GeneralName, or a reason it is unsupported. */
function dpNames(d: Der, t: { tag: number; start: number; contentStart: number; end: number }, field: string): string[] | string {
  const [name, extra] = kids(d, t, field, 2);
  if (!name || extra) throw new MalformedCert(`${field} must hold one name`);
  if (name.tag === 0xa1) return 'a nameRelativeToCRLIssuer distribution point (not supported)';
  if (name.tag !== 0xa0) throw new MalformedCert(`${field} has tag 0x${name.tag.toString(16)}`);
  const names = kids(d, name, `${field} fullName`, 64);
  if (names.length === 0) throw new MalformedCert(`${field} fullName is empty`);
  return names.map((n) => whole(d, n).toString('hex'));
}

/** issuingDistributionPoint: the scope, or why the CRL is unusable. */
function parseIdp(value: Buffer): CrlScope | string {
  const d = { buf: value };
  const fields = kids(d, expect(top(value, 'issuingDistributionPoint'), TAG.SEQUENCE, 'issuingDistributionPoint'), 'issuingDistributionPoint', 6);
  const scope: CrlScope = { fullNames: undefined, onlyUserCerts: false, onlyCaCerts: false };
  let last = -1;
  for (const f of fields) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 5) throw new MalformedCert('issuingDistributionPoint has an unexpected field');
    last = n;
    if (n === 0) {
      if (f.tag !== 0xa0) throw new MalformedCert('issuingDistributionPoint distributionPoint is not constructed');
      const names = dpNames(d, f, 'issuingDistributionPoint distributionPoint');
      if (typeof names === 'string') return `its issuingDistributionPoint uses ${names}`;
      scope.fullNames = names;
    } else if (n === 1) scope.onlyUserCerts = isTrue(d, f, 'onlyContainsUserCerts');
    else if (n === 2) scope.onlyCaCerts = isTrue(d, f, 'onlyContainsCACerts');
    else if (n === 3) return 'it covers only some reasons (onlySomeReasons; not supported)';
    else if (n === 4) {
      isTrue(d, f, 'indirectCRL');
      return 'it is an indirect CRL (not supported)';
    } else {
      isTrue(d, f, 'onlyContainsAttributeCerts');
      return 'it covers only attribute certificates';
    }
  }
  if (scope.onlyUserCerts && scope.onlyCaCerts) throw new MalformedCert('issuingDistributionPoint sets both onlyContainsUserCerts and onlyContainsCACerts');
  return scope;
}

const CRL_DISTRIBUTION_POINTS = '2.5.29.31';

/**
 * Whether a CRL's issuingDistributionPoint scope covers `cert` (RFC 5280 6.3.3 b):
 * undefined when it does, else why not. A CRL without one covers every certificate of its issuer.
 */
export function crlScopeProblem(crl: ParsedCrl, cert: ParsedCert): string | undefined {
  const scope = crl.scope;
  if (!scope) return undefined;
  const ca = cert.ext.basicConstraints?.ca === true;
  if (scope.onlyUserCerts && ca) return 'it covers only end-entity certificates';
  if (scope.onlyCaCerts && !ca) return 'it covers only CA certificates';
  if (!scope.fullNames) return undefined;
  const ext = cert.extensions.find((e) => e.oid === CRL_DISTRIBUTION_POINTS);
  if (!ext) return 'its distribution point is not named in the certificate (no cRLDistributionPoints)';
  const names = new Set<string>();
  try {
    const d = { buf: ext.value };
    for (const dp of kids(d, expect(top(ext.value, 'cRLDistributionPoints'), TAG.SEQUENCE, 'cRLDistributionPoints'), 'cRLDistributionPoints', 64)) {
      const parts = kids(d, expect(dp, TAG.SEQUENCE, 'DistributionPoint'), 'DistributionPoint', 3);
      const dpName = parts.find((p) => p.tag === 0xa0);
      // a cRLIssuer ([2]) makes it an indirect point: we support only CRLs from the certificate's issuer
      if (!dpName || parts.some((p) => p.tag === 0xa2)) continue;
      const got = dpNames(d, dpName, 'DistributionPoint');
      if (typeof got !== 'string') for (const n of got) names.add(n);
    }
  } catch {
    return 'the certificate\'s cRLDistributionPoints cannot be read';
  }
  return scope.fullNames.some((n) => names.has(n)) ? undefined : 'its distribution point is not one the certificate names';
}

function parseOne(der: Buffer): ParsedCrl {
  const parts = crlSignedParts(der);
  const lib = new x509.X509Crl(der, CRL_PARSE_OPTIONS);
  const exts = lib.extensions;
  const version = lib.version;
  const rawEntries = lib.entries;
  if (version === undefined && exts.length > 0) throw new MalformedCert('a v1 CRL with extensions');
  if (version !== undefined && version !== 1) throw new MalformedCert(`unknown CRL version ${version + 1}`);
  if (rawEntries.length > defaults.x509.maxCrlEntries) throw new MalformedCert(`more than ${defaults.x509.maxCrlEntries} entries`);
  if (lib.nextUpdate && lib.nextUpdate.getTime() < lib.thisUpdate.getTime()) throw new MalformedCert('nextUpdate is before thisUpdate');

  const problems: string[] = [];
  const seen = new Set<string>();
  let number: string | undefined;
  let scope: CrlScope | undefined;
  let delta = false;
  for (const e of exts) {
    if (seen.has(e.type)) throw new MalformedCert(`duplicate CRL extension ${e.type}`);
    seen.add(e.type);
    if (e.type === CRL_EXT.crlNumber) number = integerText(e.value);
    else if (e.type === CRL_EXT.deltaCrlIndicator) {
      delta = true;
      problems.push('it is a delta CRL (not supported)');
    }
    else if (e.type === CRL_EXT.issuingDistributionPoint) {
      const idp = parseIdp(Buffer.from(e.value));
      if (typeof idp === 'string') problems.push(idp);
      else scope = idp;
    }
    else if (e.critical && !UNDERSTOOD_CRL_EXTS.has(e.type)) problems.push(`it has an unknown critical extension ${e.type}`);
  }
  const entries = new Map<string, CrlEntry>();
  for (const entry of rawEntries) {
    // the raw INTEGER content: X509CrlEntry.serialNumber drops a leading 00, which would make 00ff (255) and ff (-1) collide
    // (the asn1 object directly: X509CrlEntry.extensions re-parses every extension, which costs as much as the whole CRL)
    const asn = (entry as unknown as { asn: { userCertificate: ArrayBuffer; crlEntryExtensions?: Array<{ extnID: string; critical: boolean }> } }).asn;
    const serialHex = Buffer.from(asn.userCertificate).toString('hex');
    const entryExts = (asn.crlEntryExtensions ?? []).map((x) => ({ type: x.extnID, critical: x.critical }));
    if (version === undefined && entryExts.length > 0) throw new MalformedCert('a v1 CRL with entry extensions');
    for (const x of entryExts) {
      if (x.type === ENTRY_EXT.certificateIssuer) problems.push('it is an indirect CRL (certificateIssuer entry extension; not supported)');
      else if (x.critical && !UNDERSTOOD_ENTRY_EXTS.has(x.type)) problems.push(`the entry for serial ${serialHex} has an unknown critical extension ${x.type}`);
    }
    const code = entry.reason;
    if (code !== undefined && CRL_REASONS[code] === undefined) throw new MalformedCert(`entry ${serialHex} has an unknown reason code ${code}`);
    if (code === REMOVE_FROM_CRL) continue;
    if (!entries.has(serialHex)) entries.set(serialHex, { serialHex, revocationDate: entry.revocationDate, reason: code === undefined ? undefined : CRL_REASONS[code] });
  }
  return {
    der,
    tbs: parts.tbs,
    signatureAlgorithm: parts.alg,
    signature: parts.signature,
    issuer: parts.issuer,
    thisUpdate: lib.thisUpdate,
    nextUpdate: lib.nextUpdate,
    number,
    scope,
    delta,
    unusable: problems.length > 0 ? [...new Set(problems)].slice(0, 3).join('; ') : undefined,
    entries,
    entryCount: rawEntries.length,
    fingerprint256: createHash('sha256').update(der).digest('hex'),
  };
}

/** Parse one DER CRL. Throws InputError ERR_X509_CRL_MALFORMED and nothing else. */
export function parseCrl(der: Uint8Array, what = 'CRL'): ParsedCrl {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseCrl: der must be a Uint8Array');
  try {
    if (der.length > defaults.x509.maxCrlBytes) throw new MalformedCert(`larger than ${defaults.x509.maxCrlBytes} bytes`);
    return parseOne(Buffer.from(der));
  } catch (e) {
    if (e instanceof MalformedCert) throw malformed(what, e.message, e);
    if (isSwarmguardError(e)) {
      const why = /\(([^)]*)\)/.exec(e.message)?.[1] ?? e.message;
      throw malformed(what, why, e);
    }
    throw malformed(what, `the CRL library failed: ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`, e);
  }
}

/** Every `X509 CRL` block of PEM text, or one DER CRL. Throws InputError only (ERR_X509_CRL_*, ERR_PEM_*). */
export function parseCrls(input: Uint8Array, what = 'CRL file'): ParsedCrl[] {
  if (input.length > defaults.x509.maxCrlBytes * 2) {
    throw new InputError('ERR_X509_CRL_TOO_LARGE', `${what}: larger than ${defaults.x509.maxCrlBytes * 2} bytes; pass fewer or smaller CRLs`);
  }
  const ders = derObjects(input, ['X509 CRL'], what);
  if (ders.length > defaults.x509.maxCrls) throw new InputError('ERR_X509_CRL_TOO_MANY', `${what}: more than ${defaults.x509.maxCrls} CRLs; pass only the CRLs of this chain's issuers`);
  return ders.map((d, i) => parseCrl(d, ders.length > 1 ? `${what} (CRL ${i + 1})` : what));
}

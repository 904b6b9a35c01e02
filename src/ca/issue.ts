/**
 * Issue one certificate from a profile: the hot path of the CA.
 *
 * The TBSCertificate is assembled from precomputed DER pieces (issuer name,
 * algorithm identifier, AKI and the profile's constant extensions); only
 * serial, validity, subject, key, SKI and SANs are written per certificate,
 * then node:crypto signs. See src/core/der.ts for why this is hand-written.
 */
import { randomFillSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { certFields } from '../core/certfields.js';
import { Tag, directoryString, explicit, implicitPrim, oid, seq, set, smallInt, time, tlv, uint } from '../core/der.js';
import { keyInfo, subjectKeyId } from '../core/keys.js';
import { OID } from '../core/oids.js';
import { toPem } from '../core/pem.js';
import { defaults } from '../defaults.js';
import { extension, type Profile, type SubjectAttr } from './profiles.js';

const ATTR_OID: Record<SubjectAttr, string> = {
  C: OID.country,
  ST: OID.province,
  L: OID.locality,
  O: OID.organization,
  OU: OID.organizationalUnit,
  CN: OID.commonName,
  serialNumber: OID.serialNumber,
};

/** The issuing identity, prepared once and reused for every certificate. */
export interface Signer {
  certDer: Buffer;
  key: KeyObject;
  /** Raw subject DER of the signing cert: the issuer of what it signs. */
  subjectDer: Buffer;
  ski: Buffer;
  /** DER certificates appended after every leaf (intermediates; the cross-signed root during a rotation). */
  chain: Buffer[];
  algorithmDer: Buffer;
  hash: string;
  /** Precomputed AKI extension pointing at this signer. */
  akiExtension: Buffer;
}

export function makeSigner(certDer: Buffer, key: KeyObject, chain: Buffer[] = [], skiOverride?: Buffer): Signer {
  const f = certFields(certDer, 'CA certificate');
  const { algorithmDer, hash } = makeSignerParts(key);
  const ski = skiOverride ?? subjectKeyId(f.spki);
  return {
    certDer,
    key,
    subjectDer: f.subjectDer,
    ski,
    chain,
    algorithmDer,
    hash,
    akiExtension: extension(OID.authorityKeyIdentifier, false, seq(implicitPrim(0, ski))),
  };
}

/** A signer for a self-signed certificate (a new root): issuer = the subject it will carry. */
export function selfSigner(key: KeyObject, subject: Array<[SubjectAttr, string]>, spki: Buffer): Signer {
  const subjectDer = nameDer(subject);
  const ski = subjectKeyId(spki);
  const base = makeSignerParts(key);
  return { certDer: Buffer.alloc(0), key, subjectDer, ski, chain: [], ...base, akiExtension: extension(OID.authorityKeyIdentifier, false, seq(implicitPrim(0, ski))) };
}

function makeSignerParts(key: KeyObject): { algorithmDer: Buffer; hash: string } {
  const info = keyInfo(key);
  if (info.type === 'ec') {
    const hash = info.curve === 'P-384' ? 'sha384' : info.curve === 'P-521' ? 'sha512' : 'sha256';
    return { hash, algorithmDer: seq(oid(hash === 'sha384' ? OID.ecdsaWithSHA384 : hash === 'sha512' ? OID.ecdsaWithSHA512 : OID.ecdsaWithSHA256)) };
  }
  if (info.type === 'rsa') return { hash: 'sha256', algorithmDer: seq(oid(OID.sha256WithRSA), tlv(Tag.NULL)) };
  throw new InputError('ERR_CA_KEY_UNSUPPORTED', `CA key type ${key.asymmetricKeyType} cannot sign certificates here; use ECDSA or RSA`);
}

export interface IssueRequest {
  profile: Profile;
  /** SubjectPublicKeyInfo DER of the key being certified (from a verified CSR). */
  spki: Buffer;
  /** For profiles with subject "csr": the CSR's subject, copied verbatim. */
  csrSubjectDer?: Buffer;
  /** Template variables of node profiles. */
  vars?: { clusterId?: string; nodeId?: string; role?: string };
  /** For profiles with subject "request". */
  subject?: Array<[SubjectAttr, string]>;
  /** For profiles with sans "request": DNS names and IP addresses. */
  hosts?: string[];
  /** Override of the profile's expiry; below the profile's minimum it is refused. */
  expiryMs?: number;
  /** Injected serial (tests); default 20 random bytes, top bit cleared. */
  serial?: Buffer;
}

export interface IssuedCertificate {
  der: Buffer;
  /** Leaf PEM followed by the signer's chain PEMs. */
  chainPem: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  subject: Array<[SubjectAttr, string]> | undefined;
  hosts: string[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DNS = /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

function fill(template: string, vars: NonNullable<IssueRequest['vars']>, profile: string): string {
  return template.replace(/\{(clusterId|nodeId|role)\}/g, (_, k: 'clusterId' | 'nodeId' | 'role') => {
    const v = vars[k];
    if (v === undefined || !ID.test(v)) {
      throw new InputError(
        'ERR_CA_REQUEST_INVALID',
        `profile ${profile} needs ${k} (letters, digits, '.', '_' or '-', up to 64 characters), got ${v === undefined ? 'none' : JSON.stringify(v)}`,
      );
    }
    return v;
  });
}

function nameDer(rdns: Array<[SubjectAttr, string]>): Buffer {
  return seq(...rdns.map(([a, v]) => set(seq(oid(ATTR_OID[a]), directoryString(v)))));
}

/** `ipKinds[i]` is isIP(hosts[i]), already computed by the caller's check. */
function sanDer(hosts: string[], ipKinds: number[]): Buffer {
  return seq(
    ...hosts.map((h, i) => {
      const ip = ipKinds[i];
      if (ip === 4) return implicitPrim(7, Buffer.from(h.split('.').map(Number)));
      if (ip === 6) return implicitPrim(7, ipv6Bytes(h));
      return implicitPrim(2, Buffer.from(h, 'latin1'));
    }),
  );
}

export function ipv6Bytes(addr: string): Buffer {
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const words = groups.map((g) => Number.parseInt(g, 16));
  if (tail.length) words.splice(6, 2, ...tail);
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function checkValue(attr: string, v: string, profile: string): void {
  if (v.length === 0 || v.length > 128 || /[\u0000-\u001f]/.test(v)) {
    throw new InputError('ERR_CA_REQUEST_INVALID', `profile ${profile}: subject ${attr} must be 1 to 128 printable characters`);
  }
}

// Serials come from a block of CSPRNG output, each byte used once: one
// randomFillSync per block instead of one call per certificate.
const SERIAL_BLOCK = defaults.ca.serialBytes * defaults.ca.serialsPerRandomFill;
let serialPool = Buffer.alloc(0);
let serialAt = 0;

export function newSerial(): Buffer {
  const n = defaults.ca.serialBytes;
  if (serialAt + n > serialPool.length) {
    serialPool = randomFillSync(Buffer.allocUnsafe(SERIAL_BLOCK));
    serialAt = 0;
  }
  const s = Buffer.from(serialPool.subarray(serialAt, serialAt + n));
  serialAt += n;
  s[0]! &= 0x7f;
  return s;
}

/** Round to the nearest minute as Go's time.Round(time.Minute) does (halves up). */
export function roundToMinute(t: Date): Date {
  return new Date(Math.floor((t.getTime() + 30_000) / 60_000) * 60_000);
}

/** Issue one certificate. Pure but for randomness; `now` is read by the caller once. */
export function issueCertificate(signer: Signer, req: IssueRequest, now: Date): IssuedCertificate {
  const p = req.profile;
  const vars = req.vars ?? {};
  // subject
  let subjectDer: Buffer;
  let subject: Array<[SubjectAttr, string]> | undefined;
  if (p.subject === 'csr') {
    if (!req.csrSubjectDer) throw new InputError('ERR_CA_REQUEST_INVALID', `profile ${p.name} copies the CSR subject; pass the CSR`);
    subjectDer = req.csrSubjectDer;
  } else {
    subject = p.subject === 'request' ? (req.subject ?? []) : p.subject.map(([a, t]) => [a, fill(t, vars, p.name)] as [SubjectAttr, string]);
    for (const need of p.requiredSubject) {
      if (!subject.some(([a]) => a === need)) throw new InputError('ERR_CA_REQUEST_INVALID', `profile ${p.name} needs subject ${need}; add it to the request`);
    }
    for (const [a, v] of subject) checkValue(a, v, p.name);
    subjectDer = nameDer(subject);
  }
  // SANs
  const hosts = p.sans === 'request' ? [...(req.hosts ?? [])] : p.sans.map((t) => fill(t, vars, p.name));
  const ipKinds = hosts.map((h) => isIP(h));
  for (const [i, h] of hosts.entries()) {
    if (!ipKinds[i] && !(h.length <= 253 && DNS.test(h))) {
      throw new InputError('ERR_CA_REQUEST_INVALID', `host ${JSON.stringify(h)} is neither a DNS name nor an IP address; fix the hosts list`);
    }
  }
  if (p.requireSans && hosts.length === 0) throw new InputError('ERR_CA_REQUEST_INVALID', `profile ${p.name} needs at least one host (DNS name or IP)`);
  // validity (swarmkit spec 2.1/2.2)
  let expiryMs = p.expiryMs;
  if (req.expiryMs !== undefined) {
    if (!Number.isSafeInteger(req.expiryMs) || req.expiryMs < p.minExpiryMs || req.expiryMs <= 0) {
      throw new InputError('ERR_CA_EXPIRY_TOO_SHORT', `expiry must be at least ${Math.max(p.minExpiryMs, 1) / 60_000} minutes for profile ${p.name}`);
    }
    expiryMs = req.expiryMs;
  }
  const rounded = roundToMinute(now);
  const notBefore = new Date(rounded.getTime() - p.backdateMs);
  const notAfter = new Date((p.notAfterFrom === 'now' ? rounded.getTime() : notBefore.getTime()) + expiryMs);
  const serial = req.serial ?? newSerial();

  const ski = subjectKeyId(req.spki);
  const exts: Buffer[] = [p.fixedExtensions.keyUsage];
  if (p.fixedExtensions.extKeyUsage) exts.push(p.fixedExtensions.extKeyUsage);
  exts.push(p.fixedExtensions.basicConstraints);
  exts.push(extension(OID.subjectKeyIdentifier, false, tlv(Tag.OCTET_STRING, ski)));
  const selfIssued = subjectDer.equals(signer.subjectDer);
  // Go leaves AKI out when issuer DN = subject DN (spec 2.4); profiles may also turn it off (roots)
  if (p.authorityKeyId && !selfIssued) exts.push(signer.akiExtension);
  if (hosts.length) exts.push(extension(OID.subjectAltName, false, sanDer(hosts, ipKinds)));

  const tbs = seq(
    explicit(0, smallInt(2)),
    uint(serial),
    signer.algorithmDer,
    signer.subjectDer,
    seq(time(notBefore), time(notAfter)),
    subjectDer,
    req.spki,
    explicit(3, seq(...exts)),
  );
  const signature = cryptoSign(signer.hash, tbs, signer.key);
  const der = seq(tbs, signer.algorithmDer, tlv(Tag.BIT_STRING, Buffer.from([0]), signature));
  let chainPem = toPem('CERTIFICATE', der);
  for (const c of signer.chain) chainPem += toPem('CERTIFICATE', c);
  return { der, chainPem, serialHex: serialHex(serial), notBefore, notAfter, subject, hosts };
}


/** Serial as lowercase hex without leading zero bytes (what openssl and cfssl print, in hex). */
export function serialHex(serial: Buffer): string {
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  return serial.subarray(i).toString('hex');
}

/**
 * Test certificate factory: builds X.509 DER with full control over every
 * field (including invalid ones) and signs it with node:crypto. Kept
 * self-contained (its own tiny DER writer) so tests do not depend on the
 * production encoder they may be checking against.
 */
import { generateKeyPairSync, sign, createHash, constants, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------- DER writer

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from([0x80 | out.length, ...out]);
}
export const tlv = (tag: number, ...c: Uint8Array[]): Buffer => {
  const body = Buffer.concat(c);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
export const seq = (...c: Uint8Array[]): Buffer => tlv(0x30, ...c);
export const set = (...c: Uint8Array[]): Buffer => tlv(0x31, ...c);
export const octets = (b: Uint8Array): Buffer => tlv(0x04, b);
export const bits = (b: Uint8Array, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), b);
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const NULL = Buffer.from([0x05, 0x00]);
export function int(n: number | bigint | Buffer): Buffer {
  let b: Buffer;
  if (Buffer.isBuffer(n)) b = n;
  else {
    let hex = BigInt(n).toString(16);
    if (hex.length % 2) hex = '0' + hex;
    b = Buffer.from(hex, 'hex');
    if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  }
  return tlv(0x02, b);
}
export function oid(dotted: string): Buffer {
  const a = dotted.split('.').map(Number);
  const out: number[] = [a[0]! * 40 + a[1]!];
  for (const arc of a.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return y >= 1950 && y < 2050 ? tlv(0x17, Buffer.from(pad(y % 100) + rest)) : tlv(0x18, Buffer.from(pad(y, 4) + rest));
}
/** [attribute type OID, value, optional string tag]. */
export type Attr = [string, string] | [string, string, number];
/** A Name from attributes (one RDN each), or a plain CN. PrintableString when possible, unless a tag is given. */
export function name(n: string | Attr[]): Buffer {
  const attrs: Attr[] = typeof n === 'string' ? [['2.5.4.3', n]] : n;
  const value = (v: string, tag: number | undefined): Buffer =>
    tag !== undefined ? tlv(tag, Buffer.from(v, 'utf8')) : /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(v) ? tlv(0x13, Buffer.from(v)) : tlv(0x0c, Buffer.from(v, 'utf8'));
  return seq(...attrs.map(([t, v, tag]) => set(seq(oid(t), value(v, tag)))));
}

// ---------------------------------------------------------------- keys

export interface TestKey {
  kind: 'ec' | 'rsa' | 'ed25519';
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Buffer;
  /** For EC: the signature hash that goes with the curve. */
  hash: string;
}

const keyCache = new Map<string, TestKey[]>();
function wrap(kind: TestKey['kind'], pair: { privateKey: KeyObject; publicKey: KeyObject }, hash: string): TestKey {
  return { kind, ...pair, spki: pair.publicKey.export({ type: 'spki', format: 'der' }), hash };
}
/** Fresh keys are slow (RSA); tests ask for the n-th key of a kind and get the same one each time. */
function cached(id: string, n: number, make: () => TestKey): TestKey {
  const list = keyCache.get(id) ?? [];
  while (list.length <= n) list.push(make());
  keyCache.set(id, list);
  return list[n]!;
}
const CURVE_HASH: Record<string, string> = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512', secp256k1: 'sha256' };
export const ecKey = (n = 0, curve = 'P-256'): TestKey =>
  cached(`ec-${curve}`, n, () => wrap('ec', generateKeyPairSync('ec', { namedCurve: curve === 'secp256k1' ? 'secp256k1' : curve }), CURVE_HASH[curve]!));
export const rsaKey = (n = 0, bitsLen = 2048): TestKey => cached(`rsa-${bitsLen}`, n, () => wrap('rsa', generateKeyPairSync('rsa', { modulusLength: bitsLen }), 'sha256'));
export const edKey = (n = 0): TestKey => cached('ed25519', n, () => wrap('ed25519', generateKeyPairSync('ed25519'), ''));

// ---------------------------------------------------------------- extensions

export const ext = {
  raw: (oidStr: string, critical: boolean, value: Buffer): Buffer => seq(oid(oidStr), ...(critical ? [bool(true)] : []), octets(value)),
  basic: (ca: boolean, pathLen?: number, critical = true): Buffer =>
    ext.raw('2.5.29.19', critical, seq(...(ca ? [bool(true)] : []), ...(pathLen !== undefined ? [int(pathLen)] : []))),
  /** Key usage from bit numbers (0 digitalSignature ... 5 keyCertSign, 6 cRLSign). */
  ku: (bitNums: number[], critical = true): Buffer => {
    const max = Math.max(...bitNums);
    const bytes = Buffer.alloc((max >> 3) + 1);
    for (const b of bitNums) bytes[b >> 3]! |= 0x80 >> (b & 7);
    const unused = 7 - (max & 7);
    return ext.raw('2.5.29.15', critical, bits(bytes, unused));
  },
  eku: (oids: string[], critical = false): Buffer => ext.raw('2.5.29.37', critical, seq(...oids.map(oid))),
  san: (names: { dns?: string[]; ip?: Buffer[]; email?: string[]; uri?: string[] }, critical = false): Buffer =>
    ext.raw(
      '2.5.29.17',
      critical,
      seq(
        ...(names.email ?? []).map((e) => tlv(0x81, Buffer.from(e))),
        ...(names.dns ?? []).map((d) => tlv(0x82, Buffer.from(d))),
        ...(names.uri ?? []).map((u) => tlv(0x86, Buffer.from(u))),
        ...(names.ip ?? []).map((b) => tlv(0x87, b)),
      ),
    ),
  nc: (c: { permitted?: { dns?: string[]; ip?: Buffer[] }; excluded?: { dns?: string[]; ip?: Buffer[] } }, critical = true): Buffer => {
    const subtrees = (s: { dns?: string[]; ip?: Buffer[] }): Buffer[] => [
      ...(s.dns ?? []).map((d) => seq(tlv(0x82, Buffer.from(d)))),
      ...(s.ip ?? []).map((b) => seq(tlv(0x87, b))),
    ];
    return ext.raw('2.5.29.30', critical, seq(...(c.permitted ? [tlv(0xa0, ...subtrees(c.permitted))] : []), ...(c.excluded ? [tlv(0xa1, ...subtrees(c.excluded))] : [])));
  },
  ski: (id: Buffer): Buffer => ext.raw('2.5.29.14', false, octets(id)),
  aki: (id: Buffer): Buffer => ext.raw('2.5.29.35', false, seq(tlv(0x80, id))),
};

export const EKU_SERVER = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT = '1.3.6.1.5.5.7.3.2';
export const EKU_ANY = '2.5.29.37.0';
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

/** A key identifier for SKI/AKI (any stable digest of the key does; this one hashes the SPKI). */
export function keyId(k: TestKey): Buffer {
  return createHash('sha1').update(k.spki).digest();
}

// ---------------------------------------------------------------- certificates

export interface CertSpec {
  subject: string | Attr[];
  issuer?: string | Attr[];
  key: TestKey;
  /** Defaults to `key` (self-signed). */
  signer?: TestKey;
  serial?: number | bigint | Buffer;
  notBefore?: Date;
  notAfter?: Date;
  /** 1 omits the version field; 2/3 write it. */
  version?: 1 | 2 | 3;
  extensions?: Buffer[];
  /** Signature algorithm override: 'sha1' (RSA or EC) or 'pss' (RSA). */
  sig?: 'default' | 'sha1' | 'pss';
  /** Bytes appended after the certificate (to test trailing data). */
  trailing?: Buffer;
}

export const T0 = new Date('2026-01-01T00:00:00Z');
export const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
export const NOT_AFTER = new Date('2030-01-01T00:00:00Z');

function sigAlg(k: TestKey, mode: CertSpec['sig']): { der: Buffer; sign: (tbs: Buffer) => Buffer } {
  if (k.kind === 'ed25519') return { der: seq(oid('1.3.101.112')), sign: (tbs) => sign(null, tbs, k.privateKey) };
  if (k.kind === 'ec') {
    const hash = mode === 'sha1' ? 'sha1' : k.hash;
    const o = { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' }[hash]!;
    return { der: seq(oid(o)), sign: (tbs) => sign(hash, tbs, k.privateKey) };
  }
  if (mode === 'pss') {
    const sha256 = seq(oid('2.16.840.1.101.3.4.2.1'), NULL);
    const params = seq(tlv(0xa0, sha256), tlv(0xa1, seq(oid('1.2.840.113549.1.1.8'), sha256)), tlv(0xa2, int(32)));
    return {
      der: seq(oid('1.2.840.113549.1.1.10'), params),
      sign: (tbs) => sign('sha256', tbs, { key: k.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    };
  }
  const hash = mode === 'sha1' ? 'sha1' : 'sha256';
  return { der: seq(oid(hash === 'sha1' ? '1.2.840.113549.1.1.5' : '1.2.840.113549.1.1.11'), NULL), sign: (tbs) => sign(hash, tbs, k.privateKey) };
}

/** Build and sign a certificate. */
export function makeCert(s: CertSpec): Buffer {
  const signer = s.signer ?? s.key;
  const alg = sigAlg(signer, s.sig);
  const version = s.version ?? 3;
  const exts = s.extensions ?? [];
  const tbs = seq(
    ...(version > 1 ? [tlv(0xa0, int(version - 1))] : []),
    int(s.serial ?? 1),
    alg.der,
    name(s.issuer ?? s.subject),
    seq(time(s.notBefore ?? NOT_BEFORE), time(s.notAfter ?? NOT_AFTER)),
    name(s.subject),
    s.key.spki,
    ...(exts.length > 0 ? [tlv(0xa3, seq(...exts))] : []),
  );
  const cert = seq(tbs, alg.der, bits(alg.sign(tbs)));
  return s.trailing ? Buffer.concat([cert, s.trailing]) : cert;
}

/** Typical CA and leaf extension sets. */
export const caExts = (k: TestKey, issuerKey?: TestKey, pathLen?: number): Buffer[] => [
  ext.ku([KU.keyCertSign, KU.cRLSign]),
  ext.basic(true, pathLen),
  ext.ski(keyId(k)),
  ...(issuerKey ? [ext.aki(keyId(issuerKey))] : []),
];
export const leafExts = (k: TestKey, issuerKey: TestKey, dns: string[] = ['node.example.com']): Buffer[] => [
  ext.ku([KU.digitalSignature, KU.keyEncipherment]),
  ext.eku([EKU_SERVER, EKU_CLIENT]),
  ext.basic(false),
  ext.ski(keyId(k)),
  ext.aki(keyId(issuerKey)),
  ext.san({ dns }),
];

/** A standard three-level PKI: root -> intermediate -> leaf, all P-256. */
export function pki(opts: { leafExtensions?: Buffer[]; interExtensions?: Buffer[]; leafSpec?: Partial<CertSpec>; interSpec?: Partial<CertSpec> } = {}) {
  const rootKey = ecKey(0);
  const interKey = ecKey(1);
  const leafKey = ecKey(2);
  const root = makeCert({ subject: 'Test Root', key: rootKey, extensions: caExts(rootKey) });
  const inter = makeCert({ subject: 'Test Intermediate', issuer: 'Test Root', key: interKey, signer: rootKey, extensions: opts.interExtensions ?? caExts(interKey, rootKey), ...opts.interSpec });
  const leaf = makeCert({ subject: 'node', issuer: 'Test Intermediate', key: leafKey, signer: interKey, extensions: opts.leafExtensions ?? leafExts(leafKey, interKey), ...opts.leafSpec });
  return { root, inter, leaf, rootKey, interKey, leafKey };
}

// ---------------------------------------------------------------- paths

/** The repository root (where package.json is), from the compiled test's location. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('package.json not found above the test');
}

/** `../shared/corpora` next to the repository, or undefined when absent. */
export function corporaDir(): string | undefined {
  const dir = path.resolve(repoRoot(), '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : undefined;
}

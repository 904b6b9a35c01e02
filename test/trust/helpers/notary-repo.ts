/**
 * A re-signing generator for Notary v1 trust data (spec §11 (b)): our own
 * root certificates (CN = GUN) and role keys, metadata built and signed by
 * the rules of spec §6–7, written as a server serves it. Used for the attack
 * fixtures that real servers cannot produce (expired, under-signed, forged).
 *
 * The canonical bytes come from src/trust/notary/json.ts; the corpora and the
 * interop tests check that encoder against Go's, so the generator does not
 * merely agree with itself.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bitString, bool, directoryString, explicit, octets, oid, seq, set, smallInt, time, tlv, uint } from '../../../src/core/der.js';
import { toPem } from '../../../src/core/pem.js';
import { canonicalJson, type JsonValue } from '../../../src/trust/notary/json.js';
import { computeKeyId } from '../../../src/trust/notary/keys.js';

export type KeyKind = 'ecdsa' | 'ecdsa-p384' | 'ed25519' | 'rsa';

export interface TestKey {
  keytype: string;
  /** keyval.public (base64). */
  public: string;
  id: string;
  method: string;
  privateKey: KeyObject;
  /** The certificate DER for x509 keys. */
  certDer?: Buffer;
}

const DAY = 86_400_000;

function methodFor(kind: KeyKind): string {
  return kind === 'ed25519' ? 'eddsa' : kind === 'rsa' ? 'rsapss' : 'ecdsa';
}

function generate(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  if (kind === 'ed25519') return generateKeyPairSync('ed25519');
  if (kind === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ec', { namedCurve: kind === 'ecdsa-p384' ? 'P-384' : 'P-256' });
}

function makeKey(keytype: string, publicB64: string, method: string, privateKey: KeyObject, certDer?: Buffer): TestKey {
  return { keytype, public: publicB64, id: computeKeyId(keytype, publicB64), method, privateKey, ...(certDer ? { certDer } : {}) };
}

/** A plain key: ed25519 (raw 32 bytes), ecdsa / rsa (DER SPKI). */
export function newKey(kind: KeyKind = 'ecdsa'): TestKey {
  const { privateKey, publicKey } = generate(kind);
  if (kind === 'ed25519') {
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
    return makeKey('ed25519', raw.toString('base64'), 'eddsa', privateKey);
  }
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return makeKey(kind === 'rsa' ? 'rsa' : 'ecdsa', spki.toString('base64'), methodFor(kind), privateKey);
}

export interface CertOptions {
  cn: string;
  notBefore?: Date;
  notAfter?: Date;
  kind?: 'ecdsa' | 'rsa';
  /** Issue from this CA instead of self-signing. */
  issuer?: { cn: string; key: KeyObject };
  isCa?: boolean;
  /** Sign the certificate with SHA-1 (refused for root keys). */
  sha1?: boolean;
  /** Existing key pair to certify. */
  privateKey?: KeyObject;
  /** subjectAltName IP addresses (TLS server certificates in tests). */
  ipSans?: string[];
}

/** A DER certificate (v3, basicConstraints) built with core/der.ts. */
export function makeCert(o: CertOptions): { der: Buffer; privateKey: KeyObject } {
  const privateKey = o.privateKey ?? generate(o.kind ?? 'ecdsa').privateKey;
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const signer = o.issuer?.key ?? privateKey;
  const rsa = signer.asymmetricKeyType === 'rsa';
  const hash = o.sha1 ? 'sha1' : 'sha256';
  const alg = rsa
    ? seq(oid(o.sha1 ? '1.2.840.113549.1.1.5' : '1.2.840.113549.1.1.11'), tlv(0x05))
    : seq(oid(o.sha1 ? '1.2.840.10045.4.1' : '1.2.840.10045.4.3.2'));
  const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), directoryString(cn))));
  const nb = o.notBefore ?? new Date(Date.now() - DAY);
  const na = o.notAfter ?? new Date(Date.now() + 3650 * DAY);
  const bc = seq(oid('2.5.29.19'), bool(true), octets(o.isCa ? seq(bool(true)) : seq()));
  const exts = [bc];
  if (o.ipSans?.length) exts.push(seq(oid('2.5.29.17'), octets(seq(...o.ipSans.map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number))))))));
  const tbs = seq(
    explicit(0, smallInt(2)),
    uint(randomBytes(16)),
    alg,
    name(o.issuer?.cn ?? o.cn),
    seq(time(nb), time(na)),
    name(o.cn),
    spki,
    explicit(3, seq(...exts)),
  );
  const sig = sign(hash, tbs, signer);
  return { der: seq(tbs, alg, bitString(sig)), privateKey };
}

/** An x509 key (root key or delegation certificate): keyval.public = base64 of the PEM bundle. */
export function certKey(o: CertOptions & { chain?: Buffer[] }): TestKey {
  const { der, privateKey } = makeCert(o);
  const pem = [der, ...(o.chain ?? [])].map((d) => toPem('CERTIFICATE', d)).join('');
  const kind = privateKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ecdsa';
  return makeKey(`${kind}-x509`, Buffer.from(pem).toString('base64'), kind === 'rsa' ? 'rsapss' : 'ecdsa', privateKey, der);
}

/** The same key pair under another key type (e.g. the plain ecdsa view of a certificate key). */
export function plainViewOf(k: TestKey): TestKey {
  const spki = createPublicKey(k.privateKey).export({ type: 'spki', format: 'der' });
  const kind = k.privateKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ecdsa';
  return makeKey(kind, spki.toString('base64'), k.method, k.privateKey);
}

export function keyJson(k: TestKey): JsonValue {
  return { keytype: k.keytype, keyval: { private: null, public: k.public } };
}

/** One signature entry over the canonical bytes of `signed`. */
export function signatureFor(signed: JsonValue, k: TestKey, method = k.method): { keyid: string; method: string; sig: string } {
  const msg = canonicalJson(signed);
  let sig: Buffer;
  if (method === 'eddsa') sig = sign(null, msg, k.privateKey);
  else if (method === 'ecdsa') sig = sign('sha256', msg, { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (method === 'rsapss') sig = sign('sha256', msg, { key: k.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
  else if (method === 'rsapkcs1v15') sig = sign('sha256', msg, { key: k.privateKey, padding: 1 });
  else throw new Error(`test generator: unknown method ${method}`);
  return { keyid: k.id, method, sig: sig.toString('base64') };
}

/** Serialize an envelope as a server does (`signed` first, not canonical). */
export function envelope(signed: JsonValue, signers: TestKey[], extraSignatures: Array<{ keyid: string; method: string; sig: string }> = []): Buffer {
  return Buffer.from(JSON.stringify({ signed, signatures: [...signers.map((k) => signatureFor(signed, k)), ...extraSignatures] }));
}

export function fileMeta(bytes: Buffer, hashes: Array<'sha256' | 'sha512'> = ['sha256', 'sha512']): JsonValue {
  const h: Record<string, string> = {};
  for (const name of hashes) h[name] = createHash(name).update(bytes).digest('base64');
  return { hashes: h, length: bytes.length };
}

export function targetMeta(content: Buffer | string): JsonValue {
  return fileMeta(Buffer.from(content), ['sha256']);
}

/** Go's time format with nanoseconds. */
export function expiresIn(days: number, from = Date.now()): string {
  return new Date(from + days * DAY).toISOString().replace(/\.(\d{3})Z$/, '.$1123456Z');
}

export interface DelegationSpec {
  name: string;
  keys: TestKey[];
  threshold?: number;
  paths?: string[];
  targets?: Record<string, JsonValue>;
  version?: number;
  expires?: string;
  /** Sign with these instead of `keys`. */
  signers?: TestKey[];
  /** Children (their names must be `${name}/x`). */
  children?: DelegationSpec[];
}

export interface RepoSpec {
  gun: string;
  rootKeys?: TestKey[];
  rootThreshold?: number;
  /** Root keys that sign (default rootKeys). */
  rootSigners?: TestKey[];
  targetsKey?: TestKey;
  snapshotKey?: TestKey;
  timestampKey?: TestKey;
  versions?: Partial<Record<'root' | 'targets' | 'snapshot' | 'timestamp', number>>;
  expires?: Partial<Record<'root' | 'targets' | 'snapshot' | 'timestamp', string>>;
  targets?: Record<string, JsonValue>;
  delegations?: DelegationSpec[];
  /** Extra fields merged into targets.signed (e.g. custom data). */
  targetsExtra?: Record<string, JsonValue>;
}

export interface BuiltRepo {
  spec: Required<Pick<RepoSpec, 'gun' | 'rootKeys' | 'targetsKey' | 'snapshotKey' | 'timestampKey'>>;
  /** File name (as served: root.json, targets/releases.json) → bytes. */
  files: Map<string, Buffer>;
  rootSigned: JsonValue;
}

function delegationBlock(ds: DelegationSpec[] | undefined): JsonValue {
  const keys: Record<string, JsonValue> = {};
  const roles: JsonValue[] = [];
  for (const d of ds ?? []) {
    for (const k of d.keys) keys[k.id] = keyJson(k);
    roles.push({ name: d.name, keyids: d.keys.map((k) => k.id), threshold: d.threshold ?? 1, paths: d.paths ?? [''] });
  }
  return { keys, roles };
}

/** Build a consistent, fully signed repository; mutate `files` afterwards for attacks. */
export function buildRepo(s: RepoSpec): BuiltRepo {
  const rootKeys = s.rootKeys ?? [certKey({ cn: s.gun })];
  const targetsKey = s.targetsKey ?? newKey('ecdsa');
  const snapshotKey = s.snapshotKey ?? newKey('ecdsa');
  const timestampKey = s.timestampKey ?? newKey('ed25519');
  const v = { root: 1, targets: 1, snapshot: 1, timestamp: 1, ...s.versions };
  const e = { root: expiresIn(3650), targets: expiresIn(1095), snapshot: expiresIn(1095), timestamp: expiresIn(14), ...s.expires };
  const files = new Map<string, Buffer>();

  const keys: Record<string, JsonValue> = {};
  for (const k of [...rootKeys, targetsKey, snapshotKey, timestampKey]) keys[k.id] = keyJson(k);
  const rootSigned: JsonValue = {
    _type: 'Root',
    consistent_snapshot: false,
    expires: e.root,
    keys,
    roles: {
      root: { keyids: rootKeys.map((k) => k.id), threshold: s.rootThreshold ?? 1 },
      snapshot: { keyids: [snapshotKey.id], threshold: 1 },
      targets: { keyids: [targetsKey.id], threshold: 1 },
      timestamp: { keyids: [timestampKey.id], threshold: 1 },
    },
    version: v.root,
  };
  const root = envelope(rootSigned, s.rootSigners ?? rootKeys);
  files.set('root.json', root);

  const targets = envelope(
    { _type: 'Targets', delegations: delegationBlock(s.delegations), expires: e.targets, targets: s.targets ?? {}, version: v.targets, ...s.targetsExtra },
    [targetsKey],
  );
  files.set('targets.json', targets);
  const meta: Record<string, JsonValue> = { root: fileMeta(root), targets: fileMeta(targets) };
  const walk = (ds: DelegationSpec[] | undefined): void => {
    for (const d of ds ?? []) {
      const bytes = envelope(
        { _type: 'Targets', delegations: delegationBlock(d.children), expires: d.expires ?? expiresIn(1095), targets: d.targets ?? {}, version: d.version ?? 1 },
        d.signers ?? d.keys,
      );
      files.set(`${d.name}.json`, bytes);
      meta[d.name] = fileMeta(bytes);
      walk(d.children);
    }
  };
  walk(s.delegations);
  const snapshot = envelope({ _type: 'Snapshot', expires: e.snapshot, meta, version: v.snapshot }, [snapshotKey]);
  files.set('snapshot.json', snapshot);
  const timestamp = envelope({ _type: 'Timestamp', expires: e.timestamp, meta: { snapshot: fileMeta(snapshot) }, version: v.timestamp }, [timestampKey]);
  files.set('timestamp.json', timestamp);
  return { spec: { gun: s.gun, rootKeys, targetsKey, snapshotKey, timestampKey }, files, rootSigned };
}

/** Re-sign timestamp (and snapshot) after `files` changed, so only the intended check fails. */
export function resignChain(repo: BuiltRepo, opts: { snapshot?: boolean; versions?: { snapshot?: number; timestamp?: number } } = {}): void {
  const files = repo.files;
  if (opts.snapshot !== false) {
    const meta: Record<string, JsonValue> = {};
    for (const [name, bytes] of files) {
      if (name === 'snapshot.json' || name === 'timestamp.json' || /^\d+\.root\.json$/.test(name)) continue;
      meta[name.replace(/\.json$/, '')] = fileMeta(bytes);
    }
    const old = JSON.parse(files.get('snapshot.json')!.toString()) as { signed: { expires: string; version: number } };
    files.set('snapshot.json', envelope({ _type: 'Snapshot', expires: old.signed.expires, meta, version: opts.versions?.snapshot ?? old.signed.version }, [repo.spec.snapshotKey]));
  }
  const oldTs = JSON.parse(files.get('timestamp.json')!.toString()) as { signed: { expires: string; version: number } };
  files.set(
    'timestamp.json',
    envelope(
      { _type: 'Timestamp', expires: oldTs.signed.expires, meta: { snapshot: fileMeta(files.get('snapshot.json')!) }, version: opts.versions?.timestamp ?? oldTs.signed.version },
      [repo.spec.timestampKey],
    ),
  );
}

/** Re-sign one role's file after editing its `signed` part. */
export function resignRole(repo: BuiltRepo, file: string, edit: (signed: Record<string, JsonValue>) => void, signers: TestKey[]): void {
  const doc = JSON.parse(repo.files.get(file)!.toString()) as { signed: Record<string, JsonValue> };
  edit(doc.signed);
  repo.files.set(file, envelope(doc.signed, signers));
}

/** A new root version signed by `signers` (old and/or new root keys), as `N.root.json` and root.json. */
export function rotateRoot(repo: BuiltRepo, o: { newRootKeys: TestKey[]; signers: TestKey[]; version: number; timestampKey?: TestKey; snapshotKey?: TestKey; writeNumbered?: boolean }): Buffer {
  const keys: Record<string, JsonValue> = {};
  const ts = o.timestampKey ?? repo.spec.timestampKey;
  const sn = o.snapshotKey ?? repo.spec.snapshotKey;
  for (const k of [...o.newRootKeys, repo.spec.targetsKey, sn, ts]) keys[k.id] = keyJson(k);
  const signed: JsonValue = {
    _type: 'Root',
    consistent_snapshot: false,
    expires: expiresIn(3650),
    keys,
    roles: {
      root: { keyids: o.newRootKeys.map((k) => k.id), threshold: 1 },
      snapshot: { keyids: [sn.id], threshold: 1 },
      targets: { keyids: [repo.spec.targetsKey.id], threshold: 1 },
      timestamp: { keyids: [ts.id], threshold: 1 },
    },
    version: o.version,
  };
  const bytes = envelope(signed, o.signers);
  if (o.writeNumbered !== false) repo.files.set(`${o.version}.root.json`, bytes);
  repo.files.set('root.json', bytes);
  repo.spec = { ...repo.spec, rootKeys: o.newRootKeys, timestampKey: ts, snapshotKey: sn };
  return bytes;
}

export function writeRepo(dir: string, files: Map<string, Buffer>): string {
  for (const [name, bytes] of files) {
    const file = path.join(dir, ...name.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return dir;
}

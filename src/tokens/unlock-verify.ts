/**
 * `verifyUnlockKey`: does this unlock key open this node's key, is the raft
 * DEK in its header readable, and does the key belong to the node
 * certificate? Pure and synchronous over loaded material: the backup check
 * that tells an operator, before a restart, whether the key they kept works.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { spkiDer } from '../core/keys.js';
import { defaults } from '../defaults.js';
import { UnlockFormatError } from './errors.js';
import { bytesEqual } from './join-token.js';
import { codecFor, decodeRecordHeader, openRecord, RecordAlgorithm } from './dek-record.js';
import { headerValue, loadPkcs8, type NodeKeyFile, type NodeKeyFormat } from './node-key.js';
import { decryptPbes2, swarmkitLayoutDeviations } from './pbes2.js';
import { unlockKeyFingerprint } from './unlock-key.js';

const U = defaults.tokens.unlock;

export type UnlockStatus =
  /** The key opens the node key and every DEK record. */
  | 'opens'
  /** The node key is encrypted and this key does not open it. */
  | 'wrong-key'
  /** The node key opens but a DEK record does not (a half-rotated or damaged file). */
  | 'dek-unreadable'
  /** Autolock is off: the node key is plain and the DEK is stored unencrypted. */
  | 'autolock-off'
  /** The node key is encrypted and no key was given. */
  | 'no-key';

export interface DekReport {
  header: string;
  algorithm: string;
  readable: boolean;
  /** Length of the decrypted DEK (32 for SwarmKit). */
  bytes?: number;
}

export interface UnlockReport {
  status: UnlockStatus;
  /** True when status is opens or autolock-off and the certificate (if given) matches. */
  ok: boolean;
  autolock: boolean;
  nodeKey: {
    format: NodeKeyFormat;
    kekVersion?: number;
    /** For encrypted keys: PBES2 parameters and how they differ from SwarmKit's layout. */
    pbes2?: { iterations: number; saltBytes: number; prf: string; deviations: string[] };
    unknownHeaders: string[];
    /** The private key's algorithm once opened. */
    keyType?: string;
  };
  /** sha256 prefix of the KEK given, never the key. */
  unlockKeyFingerprint?: string;
  deks: DekReport[];
  needsRotation: boolean;
  /** Undefined when no certificate was given. */
  certificate?: { matchesKey: boolean | null; subject: string; role?: string; nodeId?: string; clusterId?: string; notAfter: string };
  /** Things an operator should know that do not fail the check. */
  notes: string[];
}

function certFields(cert: X509Certificate): { role?: string; nodeId?: string; clusterId?: string } {
  const get = (k: string): string | undefined => cert.subject.split('\n').find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const ou = get('OU');
  const cn = get('CN');
  const o = get('O');
  return { ...(ou ? { role: ou } : {}), ...(cn ? { nodeId: cn } : {}), ...(o ? { clusterId: o } : {}) };
}

/** Parse the node certificate (first PEM block of swarm-node.crt, or DER). */
export function loadNodeCertificate(input: Uint8Array): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(input));
  } catch (e) {
    throw new UnlockFormatError('ERR_UNLOCK_CERT_MALFORMED', 'node certificate: not a readable X.509 certificate; pass certificates/swarm-node.crt', { cause: e });
  }
}

export function verifyUnlockKey(file: NodeKeyFile, options: { kek?: Uint8Array; certificate?: X509Certificate } = {}): UnlockReport {
  const { kek, certificate } = options;
  const notes: string[] = [];
  const report: UnlockReport = {
    status: 'opens',
    ok: false,
    autolock: file.format !== 'pkcs8',
    nodeKey: { format: file.format, ...(file.kekVersion !== undefined ? { kekVersion: file.kekVersion } : {}), unknownHeaders: file.unknownHeaders },
    ...(kek ? { unlockKeyFingerprint: unlockKeyFingerprint(kek) } : {}),
    deks: [],
    needsRotation: headerValue(file, U.needsRotationHeader) !== undefined,
    notes,
  };
  let key: KeyObject | undefined;

  if (file.format === 'encrypted-pkcs8') {
    const p = file.pbes2!;
    report.nodeKey.pbes2 = { iterations: p.iterations, saltBytes: p.salt.length, prf: p.prf?.name ?? 'hmacWithSHA1 (default, no field)', deviations: swarmkitLayoutDeviations(p) };
    if (kek) {
      const plain = decryptPbes2(p, kek);
      key = plain ? loadPkcs8(plain) : undefined;
      plain?.fill(0);
      if (!key && p.prf?.hash && p.prf.hash !== 'sha1') {
        // SwarmKit derives with SHA-1 whatever the file says; check whether the key is right but the file unreadable to SwarmKit.
        const alt = decryptPbes2(p, kek, p.prf.hash);
        if (alt && loadPkcs8(alt)) notes.push(`the key opens the file only with ${p.prf.name}, which SwarmKit ignores (it always uses HMAC-SHA1): the daemon will reject this key file; rewrite it with \`swarmguard unlock-key rekey\``);
        alt?.fill(0);
      }
    }
  } else if (file.format === 'legacy-sec1') {
    const procType = headerValue(file, 'Proc-Type');
    const dekInfo = headerValue(file, 'DEK-Info');
    if (procType && dekInfo) {
      if (kek) {
        const pem = `-----BEGIN EC PRIVATE KEY-----\nProc-Type: ${procType}\nDEK-Info: ${dekInfo}\n\n${file.der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END EC PRIVATE KEY-----\n`;
        try {
          key = createPrivateKey({ key: pem, format: 'pem', passphrase: Buffer.from(kek) });
        } catch {
          key = undefined;
        }
      }
      notes.push('legacy SEC1 key with RFC 1423 encryption (swarm-rafttool downgrade-key); SwarmKit reads it, FIPS clusters do not');
    } else {
      report.autolock = false;
      key = loadSec1(file.der);
    }
  } else {
    key = loadPkcs8(file.der);
    if (!key) throw new UnlockFormatError('ERR_UNLOCK_NODE_KEY_MALFORMED', 'node key: the PRIVATE KEY block is not a readable PKCS#8 key; the file is damaged');
  }

  const encrypted = report.autolock;
  if (encrypted && !kek) report.status = 'no-key';
  else if (encrypted && !key) report.status = 'wrong-key';
  if (key) report.nodeKey.keyType = key.asymmetricKeyType ?? 'unknown';

  // The DEK records: readable with this KEK (or plain when autolock is off).
  for (const header of [U.dekHeader, U.pendingDekHeader]) {
    const value = headerValue(file, header);
    if (value === undefined) continue;
    const rec = decodeRecordHeader(value);
    const codec = codecFor(rec);
    const dek: DekReport = { header, algorithm: codec.name, readable: false };
    if (rec.algorithm === RecordAlgorithm.NONE) {
      if (encrypted) notes.push(`${header} is stored unencrypted although the node key is encrypted; the DEK is exposed on disk`);
    } else if (!encrypted) {
      notes.push(`${header} is encrypted (${codec.name}) although the node key is not; the node cannot read its raft log without the old unlock key`);
    }
    const plain = rec.algorithm === RecordAlgorithm.NONE ? openRecord(rec, undefined) : kek ? openRecord(rec, kek) : undefined;
    if (plain) {
      dek.readable = true;
      dek.bytes = plain.length;
      if (plain.length !== U.dekBytes) notes.push(`${header} decrypts to ${plain.length} bytes, SwarmKit's DEK has ${U.dekBytes}`);
      plain.fill(0);
    }
    report.deks.push(dek);
  }
  if (!report.deks.some((d) => d.header === U.dekHeader)) notes.push(file.kekVersion === undefined ? 'no raft-dek header: a worker key (workers have no raft log)' : 'no raft-dek header: a worker key, or a manager that has not written its DEK yet');

  if (encrypted && report.status === 'opens' && report.deks.some((d) => !d.readable || d.bytes !== U.dekBytes)) report.status = 'dek-unreadable';
  if (!encrypted) {
    report.status = 'autolock-off';
    if (kek) notes.push('autolock is off on this node: the key file is not encrypted, so no unlock key is needed (or checked)');
  }
  if (encrypted && report.nodeKey.pbes2?.deviations.length) notes.push(`PBES2 layout differs from SwarmKit's: ${report.nodeKey.pbes2.deviations.join('; ')}`);

  if (certificate) {
    const f = certFields(certificate);
    let matchesKey: boolean | null = null;
    if (key) matchesKey = bytesEqual(spkiDer(createPublicKey(key)), spkiDer(certificate.publicKey));
    report.certificate = { matchesKey, subject: certificate.subject.replace(/\n/g, ', '), ...f, notAfter: new Date(certificate.validTo).toISOString() };
    if (matchesKey === false) notes.push('the node key does not belong to this certificate (a key and certificate from different nodes or renewals)');
  }
  report.ok = (report.status === 'opens' || report.status === 'autolock-off') && report.certificate?.matchesKey !== false;
  return report;
}

function loadSec1(der: Buffer): KeyObject | undefined {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'sec1' });
  } catch {
    return undefined;
  }
}

/**
 * What the audit keeps of swarm-node.crt and swarm-node.key. Of the key only
 * its PEM label, header names, kek-version and the raft-dek record's
 * algorithm: when autolock is off the DEK sits in that header in clear, so
 * header values never leave this function (swarmkit spec §6.3, §6.5).
 */
import { X509Certificate } from 'node:crypto';
import { InputError } from '../../errors.js';
import type { NodeKeyFact } from './types.js';

/** What is kept of a node key: its NodeKeyFact without the file facts. */
export type KeySummary = Omit<NodeKeyFact, 'path' | 'file'>;

/** Field 1 (algorithm, varint) of a protobuf MaybeEncryptedRecord; 0 (NONE) when proto3 left it out. */
export function recordAlgorithm(b64: string): number | undefined {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length === 0) return undefined;
  if (buf[0] !== 0x08) return 0;
  let v = 0;
  for (let i = 1, shift = 0; i < buf.length && shift < 28; i++, shift += 7) {
    v |= (buf[i]! & 0x7f) << shift;
    if ((buf[i]! & 0x80) === 0) return v;
  }
  return undefined;
}

export function summarizeNodeKey(pem: string, file: string): KeySummary {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw new InputError('ERR_AUDIT_HOST_FILE', `${file} is not a PEM private key; check the swarm state directory`);
  const pemType = m[1]!;
  const headers = new Map<string, string>();
  for (const line of m[2]!.split(/\r?\n/)) {
    const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!h) break;
    headers.set(h[1]!, h[2]!);
  }
  const dek = headers.get('raft-dek');
  const kek = headers.get('kek-version');
  return {
    pemType,
    encrypted: pemType === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(headers.get('Proc-Type') ?? ''),
    ...(kek !== undefined && /^\d{1,20}$/.test(kek) ? { kekVersion: kek } : {}),
    headers: [...headers.keys()].sort(),
    ...(dek !== undefined && recordAlgorithm(dek) !== undefined ? { raftDekAlgorithm: recordAlgorithm(dek)! } : {}),
    raftDekPending: headers.has('raft-dek-pending'),
  };
}

export interface CertSummary {
  notBefore: string;
  notAfter: string;
  subject: { O?: string; OU?: string; CN?: string };
  issuer: string;
}

export function summarizeNodeCert(pem: string, file: string): CertSummary {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch (e) {
    throw new InputError('ERR_AUDIT_HOST_FILE', `${file} is not a PEM certificate (${(e as Error).message})`, { cause: e });
  }
  const subject: CertSummary['subject'] = {};
  for (const line of c.subject.split('\n')) {
    const i = line.indexOf('=');
    const k = line.slice(0, i);
    if (k === 'O' || k === 'OU' || k === 'CN') subject[k] = line.slice(i + 1);
  }
  return { notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(), subject, issuer: c.issuer.replace(/\n/g, ', ') };
}

/**
 * Worker thread of `IssuerPool`: CSR parse + verify (readCsr) and issuing
 * (issueCertificate) for a batch of jobs per message. The CA key arrives once,
 * as a KeyObject in the init message (cloned between threads of this process
 * only, never serialized to bytes); results carry certificates, never the key.
 * Errors go back as {code, message} and are rebuilt on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { isSwarmguardError } from '../errors.js';
import { readCsr } from './csr.js';
import { issueCertificate, makeSigner, type IssueRequest, type Signer } from './issue.js';
import type { Profile, SubjectAttr } from './profiles.js';

export interface IssuerInit {
  type: 'init';
  certDer: Uint8Array;
  key: KeyObject;
  chain: Uint8Array[];
  ski: Uint8Array;
  profiles: Profile[];
}

/** What the main thread decided (IssueRequest without the CSR-derived fields), plus the CSR. */
export interface IssuerJob {
  id: number;
  /** PEM or DER CSR, as readCsr takes it. */
  csr: string | Uint8Array;
  profile: string;
  vars?: IssueRequest['vars'];
  subject?: Array<[SubjectAttr, string]>;
  hosts?: string[];
  expiryMs?: number;
}

export interface IssuerBatch {
  type: 'batch';
  /** The operation's clock reading (ms), read once on the main thread. */
  now: number;
  jobs: IssuerJob[];
}

export interface IssuedWire {
  der: Uint8Array;
  chainPem: string;
  serialHex: string;
  notBefore: number;
  notAfter: number;
  subject: Array<[SubjectAttr, string]> | undefined;
  hosts: string[];
}

export type IssuerResult = { id: number; ok: IssuedWire } | { id: number; err: { code: string; message: string; input: boolean } };

export type IssuerReply = { type: 'ready' } | { type: 'init-failed'; code: string; message: string } | { type: 'results'; results: IssuerResult[] };

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Buffers arrive as Uint8Arrays after the structured clone; the DER writers want Buffers. */
function reviveProfile(p: Profile): Profile {
  const f = p.fixedExtensions;
  return {
    ...p,
    fixedExtensions: { keyUsage: buf(f.keyUsage), extKeyUsage: f.extKeyUsage ? buf(f.extKeyUsage) : undefined, basicConstraints: buf(f.basicConstraints) },
  };
}

let signer: Signer | undefined;
const profiles = new Map<string, Profile>();

function run(job: IssuerJob, now: Date): IssuerResult {
  try {
    const profile = profiles.get(job.profile);
    if (!signer || !profile) throw new Error(`issuer thread has no ${signer ? `profile ${job.profile}` : 'signer'}`);
    const csr = readCsr(typeof job.csr === 'string' ? Buffer.from(job.csr, 'utf8') : buf(job.csr));
    const issued = issueCertificate(
      signer,
      {
        profile,
        spki: csr.spki,
        csrSubjectDer: csr.subjectDer,
        ...(job.vars ? { vars: job.vars } : {}),
        ...(job.subject ? { subject: job.subject } : {}),
        ...(job.hosts ? { hosts: job.hosts } : {}),
        ...(job.expiryMs !== undefined ? { expiryMs: job.expiryMs } : {}),
      },
      now,
    );
    const { der, chainPem, serialHex, notBefore, notAfter, subject, hosts } = issued;
    return { id: job.id, ok: { der, chainPem, serialHex, notBefore: notBefore.getTime(), notAfter: notAfter.getTime(), subject, hosts } };
  } catch (e) {
    const input = isSwarmguardError(e) && e.kind === 'input';
    return { id: job.id, err: { code: input ? e.code : 'ERR_INTERNAL', message: e instanceof Error ? e.message : String(e), input } };
  }
}

const reply = (m: IssuerReply): void => parentPort!.postMessage(m);

parentPort?.on('message', (m: IssuerInit | IssuerBatch) => {
  if (m.type === 'init') {
    try {
      signer = makeSigner(buf(m.certDer), m.key, m.chain.map(buf), buf(m.ski));
      for (const p of m.profiles) profiles.set(p.name, reviveProfile(p));
      reply({ type: 'ready' });
    } catch (e) {
      reply({ type: 'init-failed', code: isSwarmguardError(e) ? e.code : 'ERR_INTERNAL', message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  const now = new Date(m.now);
  reply({ type: 'results', results: m.jobs.map((j) => run(j, now)) });
});

/**
 * Worker thread of `IssuerPool`: CSR parse + verify (readCsr) and issuing
 * (issueCertificate) for a batch of jobs per message. The CA key arrives once,
 * as a KeyObject in the init message (cloned between threads of this process
 * only, never serialized to bytes); results carry certificates, never the key.
 * Errors go back as {code, message} and are rebuilt on the main thread.
 *
 * The certificates of one batch go back in one ArrayBuffer, transferred (not
 * copied): each result names its byte range. Cloning the DER Buffers instead
 * would copy the 8 KiB allocation slab behind each of them and leave the main
 * thread holding (and collecting) those slabs.
 */
import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { isSwarmguardError } from '../errors.js';
import { readCsr } from './csr.js';
import { issueCertificate, makeSigner, type IssuedCertificate, type IssueRequest, type Signer } from './issue.js';
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
  /** The certificate's bytes in the reply's `ders` buffer: [derStart, derEnd). */
  derStart: number;
  derEnd: number;
  chainPem: string;
  serialHex: string;
  notBefore: number;
  notAfter: number;
  subject: Array<[SubjectAttr, string]> | undefined;
  hosts: string[];
}

export type IssuerResult = { id: number; ok: IssuedWire } | { id: number; err: { code: string; message: string; input: boolean } };

export type IssuerReply = { type: 'ready' } | { type: 'init-failed'; code: string; message: string } | { type: 'results'; ders: ArrayBuffer; results: IssuerResult[] };

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

type Built = { id: number; cert: IssuedCertificate } | Extract<IssuerResult, { err: unknown }>;

function run(job: IssuerJob, now: Date): Built {
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
    return { id: job.id, cert: issued };
  } catch (e) {
    const input = isSwarmguardError(e) && e.kind === 'input';
    return { id: job.id, err: { code: input ? e.code : 'ERR_INTERNAL', message: e instanceof Error ? e.message : String(e), input } };
  }
}

const reply = (m: IssuerReply, transfer?: ArrayBuffer[]): void => parentPort!.postMessage(m, transfer);

/** One batch's answer: every certificate copied into one buffer that is transferred, not cloned. */
function results(built: Built[]): void {
  let size = 0;
  for (const b of built) if ('cert' in b) size += b.cert.der.length;
  const ders = new Uint8Array(size);
  let at = 0;
  const out = built.map((b): IssuerResult => {
    if (!('cert' in b)) return b;
    const { der, chainPem, serialHex, notBefore, notAfter, subject, hosts } = b.cert;
    ders.set(der, at);
    at += der.length;
    return { id: b.id, ok: { derStart: at - der.length, derEnd: at, chainPem, serialHex, notBefore: notBefore.getTime(), notAfter: notAfter.getTime(), subject, hosts } };
  });
  reply({ type: 'results', ders: ders.buffer, results: out }, [ders.buffer]);
}

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
  results(m.jobs.map((j) => run(j, now)));
});

/**
 * The CA as a service object: state, signer and profiles loaded once, then
 * `issue` per request (CLI, cfssl API, renewal). Every issuance is recorded
 * durably before the certificate is handed out.
 */
import type { Clock } from '../core/clock.js';
import { InputError, type SwarmguardError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import { readCsr, type ParsedCsr } from './csr.js';
import { issueCertificate, type IssuedCertificate, type Signer } from './issue.js';
import { IssuerPool, type IssuerPoolJob, type IssuerPoolOptions } from './issuer-pool.js';
import { loadProfiles, type Profile, type SubjectAttr } from './profiles.js';
import { appendIssuedLines, issuedLine, loadSigner, recordIssued, requireCaState, type CaState, type IssuedRecord } from './state.js';

export type NodeRole = 'manager' | 'worker';
export const ROLE_OU: Record<NodeRole, string> = { manager: 'swarm-manager', worker: 'swarm-worker' };
export const ROLE_PROFILE: Record<NodeRole, string> = { manager: 'node-manager', worker: 'node-worker' };

export interface CaIssueRequest {
  /** PEM (string or bytes), DER, or a CSR already parsed and verified. */
  csr: string | Uint8Array | ParsedCsr;
  /** Profile name; default from `role` (node-manager / node-worker). */
  profile?: string;
  role?: NodeRole;
  nodeId?: string;
  /** O of node certs; defaults to this CA's cluster ID. */
  clusterId?: string;
  subject?: Array<[SubjectAttr, string]>;
  hosts?: string[];
  expiryMs?: number;
  via: string;
}

export interface CaOpenOptions {
  passphrase: Uint8Array | undefined;
  clock: Clock;
  profiles?: Map<string, Profile>;
  /** Refuse issuing to a node ID (revoked nodes). */
  isNodeBlocked?: (nodeId: string) => boolean;
}

export class CertificateAuthority {
  private constructor(
    readonly store: StateStore,
    private stateValue: CaState,
    private signerValue: Signer,
    readonly profiles: Map<string, Profile>,
    private readonly clock: Clock,
    private readonly passphrase: Uint8Array | undefined,
    private readonly isNodeBlocked: ((nodeId: string) => boolean) | undefined,
  ) {}

  private pool: IssuerPool | undefined;
  private poolOptions: IssuerPoolOptions | undefined;

  static async open(store: StateStore, opts: CaOpenOptions): Promise<CertificateAuthority> {
    const state = await requireCaState(store);
    const signer = await loadSigner(store, state, opts.passphrase);
    const profiles = opts.profiles ?? (await loadProfiles());
    return new CertificateAuthority(store, state, signer, profiles, opts.clock, opts.passphrase, opts.isNodeBlocked);
  }

  get state(): CaState {
    return this.stateValue;
  }

  get signer(): Signer {
    return this.signerValue;
  }

  /** Re-read state and signer (after a rotation step by another process). */
  async reload(): Promise<void> {
    this.stateValue = await requireCaState(this.store);
    this.signerValue = await loadSigner(this.store, this.stateValue, this.passphrase);
    if (this.poolOptions) await this.startIssuerPool(this.poolOptions.threads, { ...(this.poolOptions.tap ? { tap: this.poolOptions.tap } : {}) });
  }

  profile(name: string): Profile {
    const p = this.profiles.get(name);
    if (!p) {
      throw new InputError('ERR_CA_PROFILE_UNKNOWN', `no certificate profile named ${JSON.stringify(name)}; known: ${[...this.profiles.keys()].join(', ')}`);
    }
    return p;
  }

  /**
   * Run issuing on `threads` worker threads (IssuerPool) from now on: `issue`
   * and `issueMany` send raw CSRs there; the checks and the record stay here.
   * Stop it with `stopIssuerPool()` (the threads do not keep the process alive while idle).
   */
  async startIssuerPool(threads: number, opts: Omit<IssuerPoolOptions, 'threads'> = {}): Promise<void> {
    await this.stopIssuerPool();
    this.poolOptions = { ...opts, threads };
    this.pool = await IssuerPool.start(this.signerValue, this.profiles.values(), this.poolOptions);
  }

  async stopIssuerPool(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.poolOptions = undefined;
    await pool?.close();
  }

  get issuerThreads(): number {
    return this.pool?.threads ?? 0;
  }

  /** The running pool; one that shut down after a thread failed is started again. */
  private async livePool(): Promise<IssuerPool | undefined> {
    if (this.pool?.closed && this.poolOptions) this.pool = await IssuerPool.start(this.signerValue, this.profiles.values(), this.poolOptions);
    return this.pool;
  }

  /** Every check that does not need the CSR, in one place for `issue` and `issueMany`. */
  private plan(req: CaIssueRequest): Plan {
    const profileName = req.profile ?? (req.role ? ROLE_PROFILE[req.role] : undefined);
    if (!profileName) throw new InputError('ERR_CA_REQUEST_INVALID', 'say which certificate to issue: a node role (manager or worker) or a profile');
    const profile = this.profile(profileName);
    if (req.nodeId !== undefined && this.isNodeBlocked?.(req.nodeId)) {
      throw new InputError('ERR_CA_NODE_REVOKED', `node ${req.nodeId} is revoked; it cannot get a new certificate`);
    }
    const clusterId = req.clusterId ?? this.stateValue.clusterId;
    const job: Omit<IssuerPoolJob, 'csr'> = {
      profile: profile.name,
      vars: { clusterId, ...(req.nodeId !== undefined ? { nodeId: req.nodeId } : {}), ...(req.role ? { role: ROLE_OU[req.role] } : {}) },
      ...(req.subject ? { subject: req.subject } : {}),
      ...(req.hosts ? { hosts: req.hosts } : {}),
      ...(req.expiryMs !== undefined ? { expiryMs: req.expiryMs } : {}),
    };
    return { req, profile, clusterId, job };
  }

  /** CSR parse + verify and issuing: on the pool for raw CSRs when one runs, else here. */
  private build(plan: Plan, pool: IssuerPool | undefined, now: Date): IssuedCertificate | Promise<IssuedCertificate> {
    const csrIn = plan.req.csr;
    if (pool && (typeof csrIn === 'string' || csrIn instanceof Uint8Array)) return pool.issue({ ...plan.job, csr: csrIn }, now);
    const csr = typeof csrIn === 'string' ? readCsr(Buffer.from(csrIn, 'utf8')) : csrIn instanceof Uint8Array ? readCsr(csrIn) : csrIn;
    const { profile: _name, ...rest } = plan.job;
    return issueCertificate(this.signerValue, { profile: plan.profile, spki: csr.spki, csrSubjectDer: csr.subjectDer, ...rest }, now);
  }

  private record(plan: Plan, issued: IssuedCertificate, now: Date, iso: (d: Date) => string = (d) => d.toISOString()): IssuedRecord {
    const { req, profile, clusterId } = plan;
    return {
      serial: issued.serialHex,
      profile: profile.name,
      ...(req.nodeId !== undefined ? { nodeId: req.nodeId } : {}),
      ...(req.role ? { role: req.role } : {}),
      ...(profile.subject !== 'request' && profile.subject !== 'csr' ? { clusterId } : {}),
      ...(issued.subject ? { subject: issued.subject.map(([a, v]) => `${a}=${v}`).join(',') } : {}),
      notBefore: iso(issued.notBefore),
      notAfter: iso(issued.notAfter),
      issuerSki: this.signerValue.ski.toString('hex'),
      issuedAt: iso(now),
      via: req.via,
    };
  }

  /** Issue from a CSR: check the request, verify the CSR, build from the profile, record, return the chain. */
  async issue(req: CaIssueRequest): Promise<IssuedCertificate> {
    const now = this.clock.now();
    const plan = this.plan(req);
    const issued = await this.build(plan, await this.livePool(), now);
    await recordIssued(this.store, this.record(plan, issued, now));
    return issued;
  }

  /**
   * Issue a batch: the same checks as `issue` for each request, the crypto on
   * the issuer pool when one runs, and one append of all the records (one
   * fsync) before anything is returned. A refused request (bad CSR, weak key,
   * unknown profile, revoked node...) gets its error in its slot; a runtime
   * failure (a pool thread, the store) rejects the whole batch, and nothing of
   * it is handed out.
   */
  async issueMany(reqs: CaIssueRequest[]): Promise<IssueOutcome[]> {
    const now = this.clock.now();
    const pool = await this.livePool();
    // a batch shares a few instants (now, and notBefore/notAfter per profile): format each once
    const isoOf = new Map<number, string>();
    const iso = (d: Date): string => {
      const t = d.getTime();
      let s = isoOf.get(t);
      if (s === undefined) isoOf.set(t, (s = d.toISOString()));
      return s;
    };
    // each record line is built as its certificate comes back, while the threads work on the rest
    const built = await Promise.all(
      reqs.map(async (req): Promise<{ cert: IssuedCertificate; line: string } | { error: SwarmguardError }> => {
        try {
          const plan = this.plan(req);
          const cert = await this.build(plan, pool, now);
          return { cert, line: issuedLine(this.record(plan, cert, now, iso)) };
        } catch (e) {
          if (e instanceof InputError) return { error: e };
          throw e;
        }
      }),
    );
    const lines = built.flatMap((b) => ('cert' in b ? [b.line] : []));
    if (lines.length) await appendIssuedLines(this.store, lines);
    return built.map((b) => ('cert' in b ? { cert: b.cert } : b));
  }
}

interface Plan {
  req: CaIssueRequest;
  profile: Profile;
  clusterId: string;
  job: Omit<IssuerPoolJob, 'csr'>;
}

/** One slot of `issueMany`'s answer. */
export type IssueOutcome = { cert: IssuedCertificate } | { error: SwarmguardError };

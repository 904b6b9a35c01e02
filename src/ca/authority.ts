/**
 * The CA as a service object: state, signer and profiles loaded once, then
 * `issue` per request (CLI, cfssl API, renewal). Every issuance is recorded
 * durably before the certificate is handed out.
 */
import type { Clock } from '../core/clock.js';
import { InputError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import { readCsr, type ParsedCsr } from './csr.js';
import { issueCertificate, type IssuedCertificate, type Signer } from './issue.js';
import { loadProfiles, type Profile, type SubjectAttr } from './profiles.js';
import { loadSigner, recordIssued, requireCaState, type CaState, type IssuedRecord } from './state.js';

export type NodeRole = 'manager' | 'worker';
export const ROLE_OU: Record<NodeRole, string> = { manager: 'swarm-manager', worker: 'swarm-worker' };
export const ROLE_PROFILE: Record<NodeRole, string> = { manager: 'node-manager', worker: 'node-worker' };

export interface CaIssueRequest {
  csr: Uint8Array | ParsedCsr;
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
  }

  profile(name: string): Profile {
    const p = this.profiles.get(name);
    if (!p) {
      throw new InputError('ERR_CA_PROFILE_UNKNOWN', `no certificate profile named ${JSON.stringify(name)}; known: ${[...this.profiles.keys()].join(', ')}`);
    }
    return p;
  }

  /** Issue from a CSR: verify the CSR, build from the profile, record, return the chain. */
  async issue(req: CaIssueRequest): Promise<IssuedCertificate> {
    const now = this.clock.now();
    const csr = req.csr instanceof Uint8Array ? readCsr(req.csr) : req.csr;
    const profileName = req.profile ?? (req.role ? ROLE_PROFILE[req.role] : undefined);
    if (!profileName) throw new InputError('ERR_CA_REQUEST_INVALID', 'say which certificate to issue: a node role (manager or worker) or a profile');
    const profile = this.profile(profileName);
    if (req.nodeId !== undefined && this.isNodeBlocked?.(req.nodeId)) {
      throw new InputError('ERR_CA_NODE_REVOKED', `node ${req.nodeId} is revoked; it cannot get a new certificate`);
    }
    const clusterId = req.clusterId ?? this.stateValue.clusterId;
    const issued = issueCertificate(
      this.signerValue,
      {
        profile,
        spki: csr.spki,
        csrSubjectDer: csr.subjectDer,
        vars: { clusterId, ...(req.nodeId !== undefined ? { nodeId: req.nodeId } : {}), ...(req.role ? { role: ROLE_OU[req.role] } : {}) },
        ...(req.subject ? { subject: req.subject } : {}),
        ...(req.hosts ? { hosts: req.hosts } : {}),
        ...(req.expiryMs !== undefined ? { expiryMs: req.expiryMs } : {}),
      },
      now,
    );
    const rec: IssuedRecord = {
      serial: issued.serialHex,
      profile: profile.name,
      ...(req.nodeId !== undefined ? { nodeId: req.nodeId } : {}),
      ...(req.role ? { role: req.role } : {}),
      ...(profile.subject !== 'request' && profile.subject !== 'csr' ? { clusterId } : {}),
      ...(issued.subject ? { subject: issued.subject.map(([a, v]) => `${a}=${v}`).join(',') } : {}),
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      issuerSki: this.signerValue.ski.toString('hex'),
      issuedAt: now.toISOString(),
      via: req.via,
    };
    await recordIssued(this.store, rec);
    return issued;
  }
}

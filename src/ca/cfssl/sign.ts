/**
 * `CfsslSigner`: one sign request in, one cfssl response out. Holds the CA
 * service object (state, signer and profiles loaded once) and the policy;
 * never throws: every failure becomes a cfssl error envelope.
 */
import { InputError } from '../../errors.js';
import type { CertificateAuthority, NodeRole } from '../authority.js';
import { ROLE_OU, ROLE_PROFILE } from '../authority.js';
import type { ParsedCsr } from '../csr.js';
import type { Profile } from '../profiles.js';
import { failureBody, successBody } from './envelope.js';
import { isInternal, toFailure } from './errors.js';
import { parseSignRequest, type SignPlan, type SignPolicy } from './request.js';

export interface CfsslSignerOptions {
  /** Only this cluster ID (O) is signed for. */
  clusterId?: string;
  allowCrossSign?: boolean;
  /** Lifetime of node certificates (default: the node profile's). */
  expiryMs?: number;
  /** Written into each issuance record. */
  via?: string;
  /** Server-side log for internal faults (details never go to the client). */
  log?: (msg: string) => void;
  /** Parse and verify a PEM CSR; default inline readCsr (a CsrVerifierPool moves it off the main thread). */
  readCsr?: (pem: string) => Promise<ParsedCsr>;
}

export interface CfsslResponse {
  status: number;
  body: string;
  /** Serial of the certificate issued, when one was. */
  serial?: string;
}

/** The SANs a node profile produces: its templates filled in (what `hosts` must equal). */
function profileHosts(p: Profile, vars: Record<'clusterId' | 'nodeId' | 'role', string>): string[] {
  if (p.sans === 'request') return [];
  return p.sans.map((t) => t.replace(/\{(clusterId|nodeId|role)\}/g, (_, k: 'clusterId' | 'nodeId' | 'role') => vars[k]));
}

export const CROSS_SIGN_PROFILE_NAME = 'ca';

export class CfsslSigner {
  readonly policy: SignPolicy;
  private readonly via: string;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly opts: CfsslSignerOptions = {},
  ) {
    this.via = opts.via ?? 'cfssl-api';
    // fail at start-up, not on the first request, when a profile is missing
    for (const role of ['manager', 'worker'] as const) ca.profile(ROLE_PROFILE[role]);
    if (opts.allowCrossSign) ca.profile(CROSS_SIGN_PROFILE_NAME);
    this.policy = {
      allowCrossSign: opts.allowCrossSign === true,
      ...(opts.clusterId !== undefined ? { clusterId: opts.clusterId } : {}),
      nodeHosts: (role: NodeRole, nodeId: string, clusterId: string) =>
        profileHosts(this.ca.profile(ROLE_PROFILE[role]), { clusterId, nodeId, role: ROLE_OU[role] }),
    };
  }

  /** Handle one request body. */
  async sign(body: Uint8Array): Promise<CfsslResponse> {
    let plan: SignPlan;
    try {
      plan = parseSignRequest(body, this.policy);
      // cfssl only takes PEM here (anything else is "CSR Decode failed", 9002)
      if (!plan.csrPem.includes('-----BEGIN ')) throw new InputError('ERR_PEM_NO_BLOCK', 'certificate_request holds no PEM block; send the CSR as PEM (-----BEGIN CERTIFICATE REQUEST-----)');
      // without a verifier, ca.issue parses and verifies the PEM (on its issuer pool when one runs)
      const csr = this.opts.readCsr ? await this.opts.readCsr(plan.csrPem) : plan.csrPem;
      const issued =
        plan.kind === 'node'
          ? await this.ca.issue({
              csr,
              role: plan.role,
              nodeId: plan.nodeId,
              clusterId: plan.clusterId,
              ...(this.opts.expiryMs !== undefined ? { expiryMs: this.opts.expiryMs } : {}),
              via: this.via,
            })
          : await this.ca.issue({ csr, profile: CROSS_SIGN_PROFILE_NAME, via: this.via });
      // The leaf plus our signer's chain (an intermediate CA's certificate, or
      // the cross-signed root during our own rotation): SwarmKit appends only
      // its own intermediates (spec 5.3), so what links our leaf to the root
      // the swarm trusts must come from us. A root CA's chain is empty.
      return { status: 200, body: successBody(issued.chainPem), serial: issued.serialHex };
    } catch (e) {
      const f = toFailure(e);
      if (isInternal(f)) this.opts.log?.(`sign request failed: ${e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e)}`);
      return { status: f.status, body: failureBody(f) };
    }
  }
}

/**
 * The chain validator's engine: webpki-style depth-first path building with
 * a work budget, and the per-certificate checks. `verify.ts` is the public
 * wrapper with the default key policy and limits.
 */
import { defaults } from '../../defaults.js';
import { DEFAULT_ALGORITHM_POLICY, keyFitsSignature, keyProblem, resolveSignatureAlgorithm, verifySignature, type AlgorithmPolicy } from './algorithms.js';
import { checkNameConstraints, hostText, matchHost, parseHost, type Host } from './constraints.js';
import { EKU, EXT, EXTENSIONS, KNOWN_POLICY_QUALIFIERS } from './extensions.js';
import { crlScopeProblem, parseCrl, type ParsedCrl } from './crl.js';
import { parseCertificate } from './parse.js';
import type { CertInput, ChainAttempt, CrlInput, ParsedCert, Purpose, RevocationMode, RevocationStatus, VerifyCode, VerifyOptions, VerifyResult } from './types.js';

export interface Limits {
  maxChainLength: number;
  maxPathBuildingSteps: number;
  /** Total name-constraint comparisons in one verification. */
  maxNameConstraintComparisons: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxChainLength: defaults.x509.maxChainLength,
  maxPathBuildingSteps: defaults.x509.maxPathBuildingSteps,
  maxNameConstraintComparisons: 1 << 22,
});

/** How many failed paths a result lists (the count of tries is bounded by the step budget). */
const MAX_ATTEMPTS_REPORTED = 32;

const PURPOSE_EKU: Record<Exclude<Purpose, 'any'>, string> = { server: EKU.serverAuth, client: EKU.clientAuth };

/** Leaf key usages that fit a TLS peer (webpki's allowance: signing, RSA key transport, ECDH). */
const LEAF_KEY_USAGES = ['digitalSignature', 'keyEncipherment', 'keyAgreement'] as const;

interface Failure {
  code: VerifyCode;
  reason: string;
  revocation?: RevocationStatus[];
}

class BudgetExceeded extends Error {}

const fail = (code: VerifyCode, reason: string): Failure => ({ code, reason });

/** How specific a failure is, for choosing which one to report when every path failed. */
function rank(code: VerifyCode): number {
  if (code === 'ERR_X509_UNKNOWN_ISSUER') return 0;
  if (code === 'ERR_X509_BAD_SIGNATURE') return 1;
  return 2;
}

const who = (c: ParsedCert): string => c.subject.text || '(empty subject)';

/** Subject and public key: how trust anchors and path members are identified. */
const identity = (c: ParsedCert): string => `${c.subject.key}\u0000${c.spki.toString('base64')}`;

/** RFC 5280 6.1: self-issued means the issuer and subject names match (whatever key signed it). */
const selfIssued = (c: ParsedCert): boolean => c.issuer.key === c.subject.key;

function toParsedCrl(c: CrlInput, what: string): ParsedCrl {
  if (c instanceof Uint8Array) return parseCrl(c, what);
  if (c && typeof c === 'object' && Buffer.isBuffer((c as ParsedCrl).tbs) && (c as ParsedCrl).entries instanceof Map) return c as ParsedCrl;
  throw new TypeError(`verifyChain: ${what} must be a ParsedCrl or DER bytes`);
}

function toParsed(c: CertInput, what: string): ParsedCert {
  if (c instanceof Uint8Array) return parseCertificate(c, what);
  if (c && typeof c === 'object' && Buffer.isBuffer((c as ParsedCert).der) && (c as ParsedCert).subject) return c as ParsedCert;
  throw new TypeError(`verifyChain: ${what} must be a ParsedCert or DER bytes`);
}

// ---------------------------------------------------------------- single-certificate checks

function checkValidity(c: ParsedCert, at: Date, role: string): Failure | undefined {
  if (at.getTime() < c.notBefore.getTime()) {
    return fail('ERR_X509_NOT_YET_VALID', `the ${role} certificate ${who(c)} is not valid before ${c.notBefore.toISOString()}`);
  }
  if (at.getTime() > c.notAfter.getTime()) return fail('ERR_X509_EXPIRED', `the ${role} certificate ${who(c)} expired at ${c.notAfter.toISOString()}`);
  return undefined;
}

function checkCriticalExtensions(c: ParsedCert, role: string): Failure | undefined {
  for (const e of c.extensions) {
    if (!e.critical) continue;
    if (!EXTENSIONS[e.oid]?.understood) {
      return fail('ERR_X509_UNKNOWN_CRITICAL_EXT', `the ${role} certificate ${who(c)} has a critical extension we do not process (${EXTENSIONS[e.oid]?.name ?? e.oid})`);
    }
    if (e.oid === EXT.certificatePolicies) {
      const q = c.ext.certificatePolicies?.flatMap((p) => p.qualifiers).find((x) => !KNOWN_POLICY_QUALIFIERS.includes(x));
      if (q) return fail('ERR_X509_UNKNOWN_CRITICAL_EXT', `the ${role} certificate ${who(c)} has critical certificatePolicies with an unknown qualifier ${q}`);
    }
  }
  return undefined;
}

function checkEku(c: ParsedCert, purpose: Purpose, role: string): Failure | undefined {
  if (purpose === 'any' || !c.ext.extKeyUsage) return undefined;
  const want = PURPOSE_EKU[purpose];
  if (c.ext.extKeyUsage.includes(want) || c.ext.extKeyUsage.includes(EKU.any)) return undefined;
  return fail('ERR_X509_EKU', `the ${role} certificate ${who(c)} has an extended key usage without ${purpose === 'server' ? 'serverAuth' : 'clientAuth'}`);
}

function checkLeaf(leaf: ParsedCert, o: Required<Pick<VerifyOptions, 'at' | 'purpose'>>, host: Host | undefined, policy: AlgorithmPolicy): Failure | undefined {
  const validity = checkValidity(leaf, o.at, 'leaf');
  if (validity) return validity;
  const critical = checkCriticalExtensions(leaf, 'leaf');
  if (critical) return critical;
  const weak = keyProblem(leaf.publicKey, policy);
  if (weak) return fail('ERR_X509_WEAK_KEY', `the leaf certificate ${who(leaf)}: ${weak}`);
  const eku = checkEku(leaf, o.purpose, 'leaf');
  if (eku) return eku;
  const ku = leaf.ext.keyUsage;
  if (o.purpose !== 'any' && ku && !LEAF_KEY_USAGES.some((u) => ku.includes(u))) {
    return fail('ERR_X509_KEY_USAGE', `the leaf certificate ${who(leaf)} has key usage ${ku.join(', ')}, none of ${LEAF_KEY_USAGES.join('/')}`);
  }
  if (host && !matchHost(leaf, host)) {
    return fail('ERR_X509_HOST_MISMATCH', `the leaf certificate ${who(leaf)} has no subjectAltName matching ${hostText(host)}`);
  }
  return undefined;
}

// ---------------------------------------------------------------- path building

interface Candidate {
  cert: ParsedCert;
  anchor: boolean;
}

class PathBuilder {
  private steps = 0;
  private ncComparisons = 0;
  private best: Failure | undefined;
  private readonly attempts: ChainAttempt[] = [];
  private readonly sigCache = new Map<string, Failure | null>();
  private readonly anchorsBySubject = new Map<string, ParsedCert[]>();
  private readonly anchorById = new Map<string, ParsedCert>();
  private readonly intermediatesBySubject = new Map<string, ParsedCert[]>();
  private readonly crlSigCache = new Map<string, string | null>();
  private readonly intermediates: ParsedCert[];
  private readonly roots: ParsedCert[];

  constructor(
    roots: ParsedCert[],
    intermediates: ParsedCert[],
    private readonly at: Date,
    private readonly purpose: Purpose,
    private readonly isRevoked: ((c: ParsedCert) => boolean) | undefined,
    private readonly policy: AlgorithmPolicy,
    private readonly limits: Limits,
    private readonly revocation: RevocationCheck = { mode: 'off', crlsByIssuer: new Map() },
    /** 1 inside the path building for a separate CRL signer (which itself looks for no further signers). */
    private readonly depth = 0,
  ) {
    this.intermediates = intermediates;
    this.roots = roots;
    for (const r of roots) {
      const id = identity(r);
      if (this.anchorById.has(id)) continue;
      this.anchorById.set(id, r);
      push(this.anchorsBySubject, r.subject.key, r);
    }
    const seen = new Set<string>();
    for (const c of intermediates) {
      if (seen.has(c.fingerprint256)) continue;
      seen.add(c.fingerprint256);
      push(this.intermediatesBySubject, c.subject.key, c);
    }
  }

  build(leaf: ParsedCert): VerifyResult {
    try {
      const chain = this.extend([leaf]);
      if (chain) return { ok: true, chain, revocation: this.lastStatuses };
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      return {
        ok: false,
        code: 'ERR_X509_BUDGET_EXCEEDED',
        reason: `path building gave up after ${this.limits.maxPathBuildingSteps} steps or ${this.limits.maxNameConstraintComparisons} name comparisons; remove unrelated certificates from the input`,
        chainAttempts: this.attempts,
      };
    }
    const best = this.best ?? fail('ERR_X509_UNKNOWN_ISSUER', `no issuer found for ${who(leaf)}`);
    return { ok: false, code: best.code, reason: best.reason, chainAttempts: this.attempts, ...(best.revocation ? { revocation: best.revocation } : {}) };
  }

  private step(): void {
    if (++this.steps > this.limits.maxPathBuildingSteps) throw new BudgetExceeded();
  }

  private record(path: ParsedCert[], f: Failure): void {
    if (this.attempts.length < MAX_ATTEMPTS_REPORTED) this.attempts.push({ chain: path.map(who), code: f.code, reason: f.reason });
    if (!this.best || rank(f.code) > rank(this.best.code)) this.best = f;
  }

  /** Issuer candidates: name match required; an AKI/SKI match first, then no key ids, then a mismatch. */
  private candidates(c: ParsedCert): Candidate[] {
    const aki = c.ext.authorityKeyId?.keyId;
    const score = (x: ParsedCert): number => (!aki || !x.ext.subjectKeyId ? 1 : aki.equals(x.ext.subjectKeyId) ? 0 : 2);
    const all: Candidate[] = [
      ...(this.anchorsBySubject.get(c.issuer.key) ?? []).map((cert) => ({ cert, anchor: true })),
      ...(this.intermediatesBySubject.get(c.issuer.key) ?? []).map((cert) => {
        const asAnchor = this.anchorById.get(identity(cert));
        return asAnchor ? { cert: asAnchor, anchor: true } : { cert, anchor: false };
      }),
    ];
    // Stable sort keeps anchors ahead of intermediates within a score.
    return all.map((x, i) => ({ x, i, s: score(x.cert) })).sort((a, b) => a.s - b.s || a.i - b.i).map((e) => e.x);
  }

  private extend(path: ParsedCert[]): ParsedCert[] | undefined {
    const child = path[path.length - 1]!;
    const inPath = new Set(path.map(identity));
    const cands = this.candidates(child);
    const tried = new Set<string>();
    let triedAny = false;
    for (const { cert: issuer, anchor } of cands) {
      this.step();
      const id = identity(issuer);
      // A certificate appears once per path: same subject and key means a loop.
      const key = `${issuer.fingerprint256}:${anchor}`;
      if (inPath.has(id) || tried.has(key)) continue;
      tried.add(key);
      triedAny = true;
      const attempt = [...path, issuer];
      if (attempt.length > this.limits.maxChainLength) {
        this.record(attempt, fail('ERR_X509_CHAIN_TOO_LONG', `the path would be longer than ${this.limits.maxChainLength} certificates`));
        continue;
      }
      const sig = this.checkSignature(child, issuer);
      if (sig) {
        this.record(attempt, sig);
        continue;
      }
      const problem = anchor ? this.checkAnchor(issuer, path) : this.checkIssuer(issuer, path);
      if (problem) {
        this.record(attempt, problem);
        continue;
      }
      if (anchor) {
        const revoked = this.checkRevocation(attempt);
        if (revoked) {
          this.record(attempt, revoked);
          continue;
        }
        return attempt;
      }
      const done = this.extend(attempt);
      if (done) return done;
    }
    if (!triedAny) {
      const why = cands.length === 0 ? 'no trusted or given certificate is named' : 'only certificates already in the path are named';
      this.record(path, fail('ERR_X509_UNKNOWN_ISSUER', `${why} ${child.issuer.text || '(empty)'}, the issuer of ${who(child)}`));
    }
    return undefined;
  }

  private checkSignature(child: ParsedCert, issuer: ParsedCert): Failure | undefined {
    const cacheKey = `${child.fingerprint256}:${issuer.spki.toString('base64')}`;
    const cached = this.sigCache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const result = this.computeSignature(child, issuer);
    this.sigCache.set(cacheKey, result ?? null);
    return result;
  }

  private computeSignature(child: ParsedCert, issuer: ParsedCert): Failure | undefined {
    if (!child.signatureAlgorithm.der.equals(child.tbsSignatureAlgorithm.der)) {
      return fail('ERR_X509_BAD_SIGNATURE', `${who(child)} names different signature algorithms inside and outside the signed part`);
    }
    const alg = resolveSignatureAlgorithm(child.signatureAlgorithm);
    if (!alg.ok) return fail(alg.weak ? 'ERR_X509_WEAK_SIGNATURE' : 'ERR_X509_UNSUPPORTED_ALGORITHM', `${who(child)}: ${alg.reason}`);
    const weak = keyProblem(issuer.publicKey, this.policy);
    if (weak) return fail('ERR_X509_WEAK_KEY', `the issuer ${who(issuer)} of ${who(child)}: ${weak}`);
    if (!keyFitsSignature(alg.alg, issuer.publicKey)) {
      return fail('ERR_X509_BAD_SIGNATURE', `${who(child)} is signed with ${alg.alg.name}, which the ${issuer.publicKey.algorithm} key of ${who(issuer)} cannot verify`);
    }
    this.step();
    if (!verifySignature(alg.alg, issuer.publicKey, child.tbs, child.signature)) {
      return fail('ERR_X509_BAD_SIGNATURE', `the signature on ${who(child)} does not verify under the key of ${who(issuer)}`);
    }
    return undefined;
  }

  /** Trust anchors are subject + key: only their name constraints apply (as webpki does). */
  private checkAnchor(anchor: ParsedCert, below: ParsedCert[]): Failure | undefined {
    return this.checkConstraints(anchor, below);
  }

  private checkIssuer(issuer: ParsedCert, below: ParsedCert[]): Failure | undefined {
    const critical = checkCriticalExtensions(issuer, 'intermediate');
    if (critical) return critical;
    const validity = checkValidity(issuer, this.at, 'intermediate');
    if (validity) return validity;
    const bc = issuer.ext.basicConstraints;
    if (!bc) return fail('ERR_X509_NOT_CA', `the intermediate certificate ${who(issuer)} has no basicConstraints, so it is not a CA`);
    if (!bc.ca) return fail('ERR_X509_NOT_CA', `the intermediate certificate ${who(issuer)} is not a CA (basicConstraints cA is false)`);
    if (bc.pathLen !== undefined) {
      // RFC 5280 4.2.1.9: pathLen counts the non-self-issued intermediates below this CA.
      const count = below.slice(1).filter((c) => !selfIssued(c)).length;
      if (count > bc.pathLen) {
        return fail('ERR_X509_PATH_LEN', `the intermediate certificate ${who(issuer)} allows ${bc.pathLen} intermediates below it; this path has ${count}`);
      }
    }
    const ku = issuer.ext.keyUsage;
    if (ku && !ku.includes('keyCertSign')) return fail('ERR_X509_KEY_USAGE', `the intermediate certificate ${who(issuer)} may not sign certificates (no keyCertSign)`);
    const eku = checkEku(issuer, this.purpose, 'intermediate');
    if (eku) return eku;
    return this.checkConstraints(issuer, below);
  }

  /** Apply `ca`'s name constraints to the certificates below it (self-issued intermediates excepted, RFC 5280 6.1.3). */
  private checkConstraints(ca: ParsedCert, below: ParsedCert[]): Failure | undefined {
    const nc = ca.ext.nameConstraints;
    if (!nc) return undefined;
    for (let i = 0; i < below.length; i++) {
      const c = below[i]!;
      if (i > 0 && selfIssued(c)) continue;
      const r = checkNameConstraints(c, nc);
      if (!r.ok) {
        if (r.budget) return fail('ERR_X509_BUDGET_EXCEEDED', `${who(c)}: ${r.reason}`);
        return fail('ERR_X509_NAME_CONSTRAINTS', `${who(c)} violates the name constraints of ${who(ca)}: ${r.reason}`);
      }
      this.ncComparisons += r.comparisons;
      if (this.ncComparisons > this.limits.maxNameConstraintComparisons) throw new BudgetExceeded();
    }
    return undefined;
  }

  /** Revocation of every certificate of a complete path (`path` ends with the anchor). */
  private checkRevocation(path: ParsedCert[]): Failure | undefined {
    if (this.isRevoked) {
      for (const c of path.slice(0, -1)) {
        if (this.isRevoked(c)) return fail('ERR_X509_REVOKED', `the certificate ${who(c)} (serial ${c.serialHex}) is revoked`);
      }
    }
    const statuses: RevocationStatus[] = [];
    for (let i = 0; i < path.length - 1; i++) statuses.push(this.crlStatus(path[i]!, path[i + 1]!, i + 1 === path.length - 1, path[path.length - 1]!));
    this.lastStatuses = statuses;
    const revoked = statuses.find((s) => s.status === 'revoked');
    if (revoked) {
      return {
        ...fail('ERR_X509_REVOKED', `the certificate ${revoked.subject || '(empty subject)'} (serial ${revoked.serial}) is revoked since ${revoked.revokedAt} (reason ${revoked.reason ?? 'not given'}; CRL of ${revoked.crl?.issuer})`),
        revocation: statuses,
      };
    }
    const unknown = statuses.find((s) => s.status === 'unknown');
    if (unknown && this.revocation.mode === 'hard') {
      return {
        ...fail('ERR_X509_REVOCATION_UNKNOWN', `the revocation status of ${unknown.subject || '(empty subject)'} (serial ${unknown.serial}) is unknown: ${unknown.detail}; pass a current CRL of its issuer`),
        revocation: statuses,
      };
    }
    return undefined;
  }

  private lastStatuses: RevocationStatus[] = [];

  /** RFC 5280 6.3 for one certificate: the CRLs named like its issuer, signed by the path's issuer key (or a separate CRL signer of the same name and anchor). */
  private crlStatus(cert: ParsedCert, issuer: ParsedCert, issuerIsAnchor: boolean, anchor: ParsedCert): RevocationStatus {
    const base = { subject: cert.subject.text, serial: cert.serialHex };
    if (this.revocation.mode === 'off') return { ...base, status: 'unchecked' };
    const crls = this.revocation.crlsByIssuer.get(cert.issuer.key) ?? [];
    if (crls.length === 0) return { ...base, status: 'unknown', detail: `no CRL from ${cert.issuer.text || '(empty)'} was given` };
    const notes: string[] = [];
    let good: ParsedCrl | undefined;
    const issuerProblem = !issuerIsAnchor && issuer.ext.keyUsage && !issuer.ext.keyUsage.includes('cRLSign') ? `the issuer ${who(issuer)} may not sign CRLs (no cRLSign)` : undefined;
    // A current delta CRL from this issuer may revoke what the base CRL does not list, or lift a hold: we do not read deltas, so neither is decidable.
    const delta = crls.find((c) => c.delta && !issuerProblem && c.thisUpdate.getTime() <= this.at.getTime() && this.crlSignedBy(c, issuer));
    const deltaNote = delta ? `a delta CRL of ${delta.issuer.text || '(empty)'} was given and delta CRLs are not supported` : undefined;
    for (const crl of crls) {
      const label = `CRL ${crl.number !== undefined ? `#${crl.number} ` : ''}of ${crl.issuer.text || '(empty)'}`;
      if (crl.unusable) {
        notes.push(`${label} is not usable: ${crl.unusable}`);
        continue;
      }
      const outOfScope = crlScopeProblem(crl, cert);
      if (outOfScope) {
        notes.push(`${label} does not cover it: ${outOfScope}`);
        continue;
      }
      let signed = !issuerProblem && this.crlSignedBy(crl, issuer);
      if (!signed && this.depth < defaults.x509.maxCrlSignerDepth) signed = this.separateCrlSigner(crl, issuer, anchor);
      if (!signed) {
        notes.push(issuerProblem ?? `${label} is not signed by the key of ${who(issuer)}`);
        continue;
      }
      if (crl.thisUpdate.getTime() > this.at.getTime()) {
        notes.push(`${label} is not valid before ${crl.thisUpdate.toISOString()}`);
        continue;
      }
      if (!crl.nextUpdate || crl.nextUpdate.getTime() <= this.at.getTime()) {
        notes.push(crl.nextUpdate ? `${label} is stale (nextUpdate ${crl.nextUpdate.toISOString()})` : `${label} has no nextUpdate`);
        continue;
      }
      const crlInfo = { issuer: crl.issuer.text, number: crl.number, thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate.toISOString() };
      const entry = crl.entries.get(cert.serialHex);
      if (entry && entry.reason === 'certificateHold' && deltaNote) {
        notes.push(`${label} lists it on hold and ${deltaNote}`);
        continue;
      }
      if (entry) {
        return { ...base, status: 'revoked', crl: crlInfo, revokedAt: entry.revocationDate.toISOString(), ...(entry.reason ? { reason: entry.reason } : {}) };
      }
      good ??= crl;
    }
    if (good && deltaNote) notes.push(deltaNote);
    else if (good) {
      return { ...base, status: 'good', crl: { issuer: good.issuer.text, number: good.number, thisUpdate: good.thisUpdate.toISOString(), nextUpdate: good.nextUpdate!.toISOString() } };
    }
    return { ...base, status: 'unknown', detail: notes.slice(0, 4).join('; ') };
  }

  private crlSignedBy(crl: ParsedCrl, signer: ParsedCert): boolean {
    const key = `${crl.fingerprint256}:${signer.spki.toString('base64')}`;
    const cached = this.crlSigCache.get(key);
    if (cached !== undefined) return cached === null;
    this.step();
    let problem: string | null = null;
    const alg = resolveSignatureAlgorithm(crl.signatureAlgorithm);
    if (!alg.ok) problem = alg.reason;
    else if (keyProblem(signer.publicKey, this.policy)) problem = 'weak key';
    else if (!keyFitsSignature(alg.alg, signer.publicKey)) problem = 'key does not fit';
    else if (!verifySignature(alg.alg, signer.publicKey, crl.tbs, crl.signature)) problem = 'bad signature';
    this.crlSigCache.set(key, problem);
    return problem === null;
  }

  /**
   * RFC 5280 6.3.3 (f): a CRL signed by another certificate of the issuer's
   * name (PKITS 4.4.19): that certificate needs cRLSign and a valid path of
   * its own, to the same anchor, with its own revocation checked.
   */
  private separateCrlSigner(crl: ParsedCrl, issuer: ParsedCert, anchor: ParsedCert): boolean {
    for (const signer of this.intermediatesBySubject.get(crl.issuer.key) ?? []) {
      this.step();
      if (signer.spki.equals(issuer.spki) || (signer.ext.keyUsage && !signer.ext.keyUsage.includes('cRLSign'))) continue;
      if (!this.crlSignedBy(crl, signer)) continue;
      const remaining = { ...this.limits, maxPathBuildingSteps: Math.max(0, this.limits.maxPathBuildingSteps - this.steps) };
      const nested = new PathBuilder(this.roots, this.intermediates, this.at, 'any', this.isRevoked, this.policy, remaining, this.revocation, this.depth + 1);
      const r = nested.build(signer);
      this.steps += nested.steps;
      if (this.steps > this.limits.maxPathBuildingSteps) throw new BudgetExceeded();
      if (r.ok && identity(r.chain[r.chain.length - 1]!) === identity(anchor)) return true;
    }
    return false;
  }

}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const PURPOSES: readonly Purpose[] = ['server', 'client', 'any'];
const MODES: readonly RevocationMode[] = ['off', 'soft', 'hard'];

interface RevocationCheck {
  mode: RevocationMode;
  crlsByIssuer: Map<string, ParsedCrl[]>;
}

function revocationCheck(opts: VerifyOptions): RevocationCheck {
  if (opts.crls !== undefined && !Array.isArray(opts.crls)) throw new TypeError('verifyChain: crls must be an array');
  const mode = opts.revocation ?? (opts.crls ? 'hard' : 'off');
  if (!MODES.includes(mode)) throw new TypeError(`verifyChain: revocation must be one of ${MODES.join(', ')}`);
  const crlsByIssuer = new Map<string, ParsedCrl[]>();
  if (mode === 'off') return { mode, crlsByIssuer };
  const given = opts.crls ?? [];
  if (given.length > defaults.x509.maxCrls) throw new TypeError(`verifyChain: at most ${defaults.x509.maxCrls} CRLs (defaults.x509.maxCrls)`);
  const seen = new Set<string>();
  given.forEach((c, i) => {
    const crl = toParsedCrl(c, `CRL ${i + 1}`);
    if (seen.has(crl.fingerprint256)) return;
    seen.add(crl.fingerprint256);
    push(crlsByIssuer, crl.issuer.key, crl);
  });
  return { mode, crlsByIssuer };
}

/**
 * Verify a chain under an explicit algorithm policy and limits. Pure and
 * synchronous. Use `verifyChain` from verify.ts unless you are measuring.
 */
export function buildPath(opts: VerifyOptions, policy: AlgorithmPolicy = DEFAULT_ALGORITHM_POLICY, limits: Limits = DEFAULT_LIMITS): VerifyResult {
  if (!opts || typeof opts !== 'object') throw new TypeError('verifyChain: options are required');
  if (!(opts.at instanceof Date) || Number.isNaN(opts.at.getTime())) throw new TypeError('verifyChain: `at` must be a valid Date');
  const purpose = opts.purpose ?? 'any';
  if (!PURPOSES.includes(purpose)) throw new TypeError(`verifyChain: purpose must be one of ${PURPOSES.join(', ')}`);
  if (!Array.isArray(opts.roots)) throw new TypeError('verifyChain: roots must be an array');
  const leaf = toParsed(opts.leaf, 'leaf certificate');
  const roots = opts.roots.map((r, i) => toParsed(r, `root ${i + 1}`));
  const intermediates = (opts.intermediates ?? []).map((c, i) => toParsed(c, `intermediate ${i + 1}`));

  let host: Host | undefined;
  if (opts.host !== undefined) {
    host = parseHost(opts.host);
    if (!host) return { ok: false, code: 'ERR_X509_HOST_MISMATCH', reason: `${JSON.stringify(opts.host)} is neither a DNS name nor an IP address`, chainAttempts: [] };
  }
  const revocation = revocationCheck(opts);
  const leafProblem = checkLeaf(leaf, { at: opts.at, purpose }, host, policy);
  if (leafProblem) return { ok: false, ...leafProblem, chainAttempts: [{ chain: [who(leaf)], ...leafProblem }] };
  return new PathBuilder(roots, intermediates, opts.at, purpose, opts.isRevoked, policy, limits, revocation).build(leaf);
}

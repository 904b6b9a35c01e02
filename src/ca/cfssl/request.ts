/**
 * The cfssl sign request (spec 5.2): parse the JSON body, check its shape,
 * then normalize it into what to issue. Pure; no crypto (the CSR is checked
 * by the caller after the cheap checks pass).
 *
 * The input type mirrors cfssl's JSON; the normalized `SignPlan` is what the
 * CA acts on. Unknown fields are ignored, as cfssl and SwarmKit versions differ
 * in what they send (NotBefore/NotAfter, ReturnPrecert, metadata, extensions).
 */
import { InputError } from '../../errors.js';
import type { NodeRole } from '../authority.js';
import { defaults } from '../../defaults.js';

/** One entry of `subject.names` (cfssl csr.Name). */
export interface SignRequestName {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string;
  SerialNumber?: string;
}

/** The request as cfssl's JSON carries it. */
export interface SignRequestInput {
  certificate_request?: string;
  hosts?: string[] | null;
  /** cfssl's older comma-separated form; it wins over `hosts` when not empty. */
  hostname?: string;
  subject?: { CN?: string; names?: SignRequestName[] | null; SerialNumber?: string } | null;
  profile?: string;
  label?: string;
}

export type SignPlan =
  | { kind: 'node'; role: NodeRole; nodeId: string; clusterId: string; csrPem: string }
  /** profile "CA": certify the CSR's key and subject as a CA (SwarmKit cross-signing, spec 2.4 and 5.2). */
  | { kind: 'cross-sign'; csrPem: string };

export interface SignPolicy {
  /** Only this O (cluster ID) is accepted when set (`serve --cluster-id`). */
  clusterId?: string;
  /** Profile "CA" mints CA certificates; refused unless the operator allowed it. */
  allowCrossSign: boolean;
  /** The SANs the node profile of a role produces for this node: hosts must equal them. */
  nodeHosts(role: NodeRole, nodeId: string, clusterId: string): string[];
}

/** spec 2.2: OU names the role. */
export const OU_ROLE: Readonly<Record<string, NodeRole>> = { 'swarm-manager': 'manager', 'swarm-worker': 'worker' };
const CROSS_SIGN_PROFILE = 'CA';
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const fieldError = (msg: string): InputError => new InputError('ERR_CFSSL_FIELD', msg);

function optString(doc: Record<string, unknown>, key: string, where = ''): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw fieldError(`${where}${key} must be a string`);
  return v;
}

function readNames(v: unknown): SignRequestName[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fieldError('subject.names must be a list');
  if (v.length > defaults.cfssl.maxNames) throw fieldError(`subject.names has ${v.length} entries; at most ${defaults.cfssl.maxNames}`);
  return v.map((n, i) => {
    if (typeof n !== 'object' || n === null || Array.isArray(n)) throw fieldError(`subject.names[${i}] must be an object`);
    const o = n as Record<string, unknown>;
    const out: SignRequestName = {};
    for (const k of ['C', 'ST', 'L', 'O', 'OU', 'SerialNumber'] as const) {
      const s = optString(o, k, `subject.names[${i}].`);
      if (s !== undefined) out[k] = s;
    }
    return out;
  });
}

/** Step 1: bytes → the typed input (a type mismatch is a JSON error, as Go's decoder makes it). */
export function parseSignRequestJson(body: Uint8Array): SignRequestInput {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new InputError('ERR_CFSSL_JSON', 'the body is not JSON; send a cfssl sign request object', { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError('ERR_CFSSL_JSON', 'the body must be a JSON object (a cfssl sign request)');
  const d = doc as Record<string, unknown>;
  const out: SignRequestInput = {};
  const csr = optString(d, 'certificate_request');
  if (csr !== undefined) out.certificate_request = csr;
  const hostname = optString(d, 'hostname');
  if (hostname !== undefined) out.hostname = hostname;
  const profile = optString(d, 'profile');
  if (profile !== undefined) out.profile = profile;
  const label = optString(d, 'label');
  if (label !== undefined) out.label = label;
  if (d.hosts !== undefined && d.hosts !== null) {
    if (!Array.isArray(d.hosts) || !d.hosts.every((h) => typeof h === 'string')) throw fieldError('hosts must be a list of strings');
    out.hosts = d.hosts as string[];
  }
  if (d.subject !== undefined && d.subject !== null) {
    if (typeof d.subject !== 'object' || Array.isArray(d.subject)) throw fieldError('subject must be an object');
    const s = d.subject as Record<string, unknown>;
    const cn = optString(s, 'CN', 'subject.');
    const serial = optString(s, 'SerialNumber', 'subject.');
    out.subject = { names: readNames(s.names), ...(cn !== undefined ? { CN: cn } : {}), ...(serial !== undefined ? { SerialNumber: serial } : {}) };
  }
  return out;
}

function requestHosts(req: SignRequestInput): string[] {
  const hosts = req.hostname ? req.hostname.split(',').map((h) => h.trim()) : (req.hosts ?? []);
  if (hosts.length > defaults.cfssl.maxHosts) throw new InputError('ERR_CFSSL_HOSTS', `hosts has ${hosts.length} entries; at most ${defaults.cfssl.maxHosts}`);
  for (const h of hosts) {
    if (h.length === 0 || h.length > defaults.cfssl.maxHostLength) throw new InputError('ERR_CFSSL_HOSTS', `every host must be 1 to ${defaults.cfssl.maxHostLength} characters`);
  }
  return hosts;
}

const show = (v: string): string => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);

/** Step 2: the typed input → what to issue, under the server's policy. */
export function planSignRequest(req: SignRequestInput, policy: SignPolicy): SignPlan {
  const csrPem = req.certificate_request ?? '';
  if (csrPem === '') throw new InputError('ERR_CFSSL_CSR_MISSING', 'put the PEM CSR in certificate_request');
  const profile = req.profile ?? '';
  const hosts = requestHosts(req);
  if (profile === CROSS_SIGN_PROFILE) {
    if (!policy.allowCrossSign) {
      throw new InputError('ERR_CFSSL_CROSS_SIGN', 'this server does not cross-sign CA certificates (profile "CA"); start it with --allow-cross-sign to let swarm managers rotate away from this CA');
    }
    if (hosts.length > 0) throw new InputError('ERR_CFSSL_HOSTS', 'a CA certificate (profile "CA") takes no hosts');
    return { kind: 'cross-sign', csrPem };
  }
  if (profile !== '') throw new InputError('ERR_CFSSL_PROFILE', `profile ${show(profile)} is not served; send "" for a node certificate or "CA" for a cross-signed root`);

  const subject = req.subject;
  if (!subject) throw new InputError('ERR_CFSSL_SUBJECT', 'a node certificate needs subject {CN: <node ID>, names: [{O: <cluster ID>, OU: swarm-manager|swarm-worker}]}');
  const nodeId = subject.CN ?? '';
  if (!ID.test(nodeId)) throw new InputError('ERR_CFSSL_SUBJECT', `subject CN (the node ID) must be 1 to 64 letters, digits, '.', '_' or '-', got ${show(nodeId)}`);
  if (subject.SerialNumber) throw new InputError('ERR_CFSSL_SUBJECT', 'subject SerialNumber is not part of a node certificate; leave it empty');
  const orgs: string[] = [];
  const units: string[] = [];
  for (const n of subject.names ?? []) {
    for (const k of ['C', 'ST', 'L', 'SerialNumber'] as const) {
      if (n[k]) throw new InputError('ERR_CFSSL_SUBJECT', `subject names.${k} is not part of a node certificate (only O and OU); leave it empty`);
    }
    if (n.O) orgs.push(n.O);
    if (n.OU) units.push(n.OU);
  }
  if (units.length !== 1) throw new InputError('ERR_CFSSL_SUBJECT', `subject needs exactly one OU (swarm-manager or swarm-worker), got ${units.length}`);
  const role = OU_ROLE[units[0]!];
  if (!role) throw new InputError('ERR_CFSSL_SUBJECT', `subject OU ${show(units[0]!)} is not a node role; use swarm-manager or swarm-worker`);
  if (orgs.length !== 1) throw new InputError('ERR_CFSSL_SUBJECT', `subject needs exactly one O (the cluster ID), got ${orgs.length}`);
  const clusterId = orgs[0]!;
  if (!ID.test(clusterId)) throw new InputError('ERR_CFSSL_SUBJECT', `subject O (the cluster ID) must be 1 to 64 letters, digits, '.', '_' or '-', got ${show(clusterId)}`);
  if (policy.clusterId !== undefined && clusterId !== policy.clusterId) {
    throw new InputError('ERR_CFSSL_CLUSTER', `cluster ${show(clusterId)} is not served here; this server signs only for cluster ${policy.clusterId}`);
  }
  const expected = policy.nodeHosts(role, nodeId, clusterId);
  const same = hosts.length === expected.length && new Set(hosts).size === hosts.length && hosts.every((h) => expected.includes(h));
  if (!same) {
    throw new InputError('ERR_CFSSL_HOSTS', `hosts must be ${JSON.stringify(expected)} for a ${units[0]} certificate of node ${nodeId}, got ${JSON.stringify(hosts.slice(0, 8))}`);
  }
  return { kind: 'node', role, nodeId, clusterId, csrPem };
}

/** Both steps. */
export function parseSignRequest(body: Uint8Array, policy: SignPolicy): SignPlan {
  return planSignRequest(parseSignRequestJson(body), policy);
}

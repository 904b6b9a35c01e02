/**
 * `swarm-state`: SW-34, the node's own swarm state on disk. control.sock is
 * swarmkit's full control API (group/world write is cluster takeover); the
 * state dir and the node key must be private; with autolock on, a manager's
 * key must be encrypted and its raft-dek record not NONE (else the raft DEK
 * lies in clear in the key's PEM header).
 */
import type { FileFact, NodeKeyFact } from '../host/types.js';
import type { Outcome, RuleKind, Severity } from '../types.js';
import { HOST_ENGINE, hostOr, octal, owner, unknownHost } from './host-util.js';

interface Params {
  controlSockSeverity: Severity;
}

const fileTarget = (f: FileFact) => ({ kind: 'file' as const, id: f.path });

function privateFile(f: FileFact, forbidden: number, what: string, sev?: Severity): Outcome {
  if (f.error || f.mode === undefined) return { status: 'unknown', target: fileTarget(f), message: `cannot stat ${f.path}: ${f.error ?? 'no mode'}` };
  const bad = f.mode & forbidden;
  const notRoot = f.uid !== 0;
  if (!bad && !notRoot) return { status: 'pass', target: fileTarget(f), message: `${what} ${f.path} is ${owner(f)} ${octal(f.mode)}` };
  return {
    status: 'fail',
    ...(sev ? { severity: sev } : {}),
    target: fileTarget(f),
    message: `${what} ${f.path} is ${owner(f)} ${octal(f.mode)}${bad ? `: bits ${octal(bad)} let others ${bad & 0o022 ? 'write' : 'read'} it` : ''}${notRoot ? ': not owned by root' : ''}`,
  };
}

function autolockOf(facts: Parameters<RuleKind['evaluate']>[0]): boolean | undefined {
  if ('data' in facts.swarm) {
    const v = facts.swarm.data.Spec?.EncryptionConfig?.AutoLockManagers;
    if (typeof v === 'boolean') return v;
  }
  if ('data' in facts.info) {
    const v = (facts.info.data.Swarm as { Cluster?: { Spec?: { EncryptionConfig?: { AutoLockManagers?: boolean } } } } | undefined)?.Cluster?.Spec?.EncryptionConfig?.AutoLockManagers;
    if (typeof v === 'boolean') return v;
  }
  return undefined;
}

export const swarmState: RuleKind<Params> = {
  kind: 'swarm-state',
  describe: 'checks the local swarm state: control.sock not group/world writable, <data-root>/swarm and swarm-node.key private to root, and the key encrypted (raft-dek not NONE) on a manager when autolock is on',
  paramsSchema: {
    type: 'object',
    required: ['controlSockSeverity'],
    additionalProperties: false,
    properties: { controlSockSeverity: { enum: ['critical', 'high', 'medium', 'low', 'info'] } },
  },
  evaluate(facts, p) {
    const h = hostOr(facts);
    if ('why' in h) return unknownHost(HOST_ENGINE, h.why);
    const s = h.data.swarm;
    if (!s.dir.exists) return [{ status: 'pass', target: HOST_ENGINE, message: `no swarm state at ${s.dir.path}: not a swarm node` }];
    const out: Outcome[] = [privateFile(s.dir, 0o077, 'swarm state directory')];
    if (s.controlSock.exists) out.push(privateFile(s.controlSock, 0o022, 'control socket', p.controlSockSeverity));
    const key = s.nodeKey;
    if (!key) return out;
    const target = { kind: 'file' as const, id: key.path };
    if ('unavailable' in key) return [...out, { status: 'unknown', target, message: `cannot read ${key.path}: ${key.unavailable}` }];
    out.push(privateFile(key.file, 0o077, 'node key'));
    out.push(keyEncryption(facts, h.data.swarm.nodeCert, key));
    return out;
  },
};

function keyEncryption(facts: Parameters<RuleKind['evaluate']>[0], cert: { subject?: { OU?: string } } | { unavailable: string } | undefined, key: NodeKeyFact): Outcome {
  const target = { kind: 'file' as const, id: key.path };
  const role = cert && 'subject' in cert ? cert.subject?.OU : undefined;
  const state = `${key.encrypted ? 'encrypted' : 'not encrypted'} (${key.pemType}${key.kekVersion !== undefined ? `, kek-version ${key.kekVersion}` : ''}${key.raftDekAlgorithm !== undefined ? `, raft-dek algorithm ${key.raftDekAlgorithm === 0 ? 'NONE' : key.raftDekAlgorithm}` : ''})`;
  if (role === 'swarm-worker') return { status: 'pass', target, message: `worker key ${state}: workers never hold a KEK` };
  const autolock = autolockOf(facts);
  if (autolock === undefined) return { status: 'unknown', target, message: `node key ${state}; whether autolock is on is unknown (/swarm unavailable)` };
  if (!autolock) return { status: 'pass', target, message: `node key ${state}; autolock is off, so it cannot be encrypted (see cis-7.5)` };
  if (!key.encrypted) return { status: 'fail', target, message: `autolock is on but the node key is ${state}: the TLS key and raft DEK are readable from disk` };
  if (key.raftDekAlgorithm === 0) return { status: 'fail', target, message: `autolock is on but the raft-dek record is NONE: the raft DEK is in clear in the key's PEM header` };
  return { status: 'pass', target, message: `autolock is on and the node key is ${state}` };
}

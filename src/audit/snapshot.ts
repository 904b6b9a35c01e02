/**
 * The audit snapshot: Engine API facts, typed and JSON-serializable. Each
 * endpoint is either its data or `{ unavailable: reason }`, so a rule can say
 * "unknown" instead of guessing. Join tokens, secret values and config
 * contents never enter a snapshot: they are replaced by fingerprints and hints
 * in `normalizeFacts` (the one place raw API answers are made safe to keep).
 */
import { createHash } from 'node:crypto';
import { defaults } from '../defaults.js';
import type { HostFacts } from './host/types.js';
import type { TlsProbe } from './tls-facts.js';

/** One endpoint's answer, or why there is none. */
export type Fact<T> = { data: T } | { unavailable: string };

export type Obj = Record<string, unknown>;

/** The endpoints a snapshot holds, in collection order; the file name is `<name>.json`. */
export const ENDPOINTS = [
  { name: 'info', path: '/info' },
  { name: 'version', path: '/version' },
  { name: 'swarm', path: '/swarm' },
  { name: 'nodes', path: '/nodes' },
  { name: 'services', path: '/services' },
  { name: 'tasks', path: '/tasks' },
  { name: 'networks', path: '/networks' },
  { name: 'secrets', path: '/secrets' },
  { name: 'configs', path: '/configs' },
  { name: 'plugins', path: '/plugins' },
] as const;

export type EndpointName = (typeof ENDPOINTS)[number]['name'];

/** Minimal typed views of the Engine API objects the rules read; unknown fields survive. */
export interface EngineInfo extends Obj {
  ID?: string;
  Name?: string;
  Driver?: string;
  LoggingDriver?: string;
  LiveRestoreEnabled?: boolean;
  Debug?: boolean;
  ExperimentalBuild?: boolean;
  SecurityOptions?: string[];
  Warnings?: string[] | null;
  ServerVersion?: string;
  Plugins?: { Authorization?: string[] | null } & Obj;
  RegistryConfig?: { InsecureRegistryCIDRs?: string[] | null; IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> } & Obj;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string } & Obj;
}
export interface EngineVersion extends Obj {
  Version?: string;
  ApiVersion?: string;
}
export interface SwarmInfo extends Obj {
  ID?: string;
  Spec?: {
    EncryptionConfig?: { AutoLockManagers?: boolean };
    CAConfig?: { NodeCertExpiry?: number; ExternalCAs?: unknown[] | null };
  } & Obj;
  TLSInfo?: { TrustRoot?: string; CertIssuerSubject?: string; CertIssuerPublicKey?: string };
  RootRotationInProgress?: boolean;
  /** sha256 fingerprints (hex, full) of the join tokens; the tokens themselves are never stored. */
  JoinTokenFingerprints?: { Worker?: string; Manager?: string };
  /** sha256 (hex) of GET /swarm/unlockkey's UnlockKey; absent when autolock is off. The key is never stored. */
  UnlockKeyFingerprint?: string;
  /** Why the unlock key could not be read, when it could not. */
  UnlockKeyUnavailable?: string;
}
export interface SwarmNode extends Obj {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Name?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } & Obj; TLSInfo?: { CertIssuerPublicKey?: string } } & Obj;
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}
export interface ServiceMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
}
export interface ContainerSpec extends Obj {
  Image?: string;
  Env?: string[];
  Mounts?: ServiceMount[];
  ReadOnly?: boolean;
  User?: string;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Healthcheck?: { Test?: string[] } & Obj;
  Secrets?: Array<{ SecretName?: string; SecretID?: string; File?: { Mode?: number } }>;
  Privileges?: {
    SELinuxContext?: { Disable?: boolean; User?: string; Role?: string; Type?: string; Level?: string } | null;
    Seccomp?: { Mode?: string } | null;
    AppArmor?: { Mode?: string } | null;
    NoNewPrivileges?: boolean;
  } & Obj;
  Ulimits?: Array<{ Name?: string; Soft?: number; Hard?: number }> | null;
  Labels?: Record<string, string> | null;
}
export interface SwarmService extends Obj {
  ID: string;
  /** sha256 (hex) of every join-token-shaped string found in Env or labels (SW-10); the strings are redacted. */
  JoinTokenHints?: string[];
  Spec?: {
    Name?: string;
    TaskTemplate?: {
      ContainerSpec?: ContainerSpec;
      Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number } };
      RestartPolicy?: { Condition?: string; MaxAttempts?: number };
      Networks?: Array<{ Target?: string }>;
      Placement?: { Constraints?: string[] };
    } & Obj;
    Mode?: { Global?: Obj; Replicated?: Obj } & Obj;
    Labels?: Record<string, string> | null;
    EndpointSpec?: { Ports?: Array<{ Protocol?: string; TargetPort?: number; PublishedPort?: number; PublishMode?: string }> };
  } & Obj;
}
export interface EngineNetwork extends Obj {
  Id?: string;
  ID?: string;
  Name?: string;
  Driver?: string;
  Scope?: string;
  Ingress?: boolean;
  Attachable?: boolean;
  Options?: Record<string, string> | null;
}
export interface SwarmSecret extends Obj {
  ID: string;
  Spec?: { Name?: string } & Obj;
  CreatedAt?: string;
}
export interface SwarmConfig extends Obj {
  ID: string;
  Spec?: { Name?: string } & Obj;
  /** What the content looked like; the content itself is not kept. */
  ContentHints?: { sha256: string; bytes: number; privateKey: boolean; passwordLike: boolean; joinTokens?: string[] };
}

/** One fingerprint and when swarmguard first and last saw it (ISO times). */
export interface HistoryEntry {
  sha256: string;
  firstSeen: string;
  lastSeen: string;
}

export const HISTORY_SERIES = ['worker-token', 'manager-token', 'unlock-key'] as const;
export type HistorySeries = (typeof HISTORY_SERIES)[number];

export const HISTORY_FORMAT = 'swarmguard-audit-history/1';

/**
 * What the Engine API cannot say: since when each join token and the unlock
 * key have been what they are. Kept by swarmguard (state store, or
 * history.json next to a snapshot) as fingerprints with first-seen times.
 */
export interface RotationHistory {
  format: typeof HISTORY_FORMAT;
  cluster: string;
  /** When tracking began for this cluster. */
  since: string;
  /** Oldest first; the last entry is the value seen most recently. */
  series: Record<HistorySeries, HistoryEntry[]>;
  /** SW-08: when a root CA rotation was first seen in progress (absent when none is). */
  rootRotationSince?: string;
}

export interface Facts {
  info: Fact<EngineInfo>;
  version: Fact<EngineVersion>;
  swarm: Fact<SwarmInfo>;
  nodes: Fact<SwarmNode[]>;
  services: Fact<SwarmService[]>;
  tasks: Fact<Obj[]>;
  networks: Fact<EngineNetwork[]>;
  secrets: Fact<SwarmSecret[]>;
  configs: Fact<SwarmConfig[]>;
  plugins: Fact<Obj[]>;
  /** Facts only the node itself has (daemon flags, daemon.json, file modes, sockets, swarm state); absent when audited remotely. */
  host?: Fact<HostFacts>;
  /** Not an endpoint: swarmguard's own rotation history for this cluster (SW-10, SW-12). */
  history?: Fact<RotationHistory>;
  /** SW-05: handshakes with each manager's swarm port (collect-tls.ts; `tls.json`); absent when not probed. */
  tls?: Fact<TlsProbe[]>;
}

export const SNAPSHOT_FORMAT = 'swarmguard-audit-snapshot/1';

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** Where the facts came from: an engine URL or a directory. */
  source: string;
  /** ISO time of collection, when known. */
  collectedAt?: string;
  facts: Facts;
}

export function sha256Hex(s: string | Uint8Array): string {
  return createHash('sha256').update(s).digest('hex');
}

/** An env value, once redacted: the name stays, the value becomes its fingerprint. */
export function redactedValue(value: string): string {
  return `${defaults.audit.redactedPrefix}sha256:${sha256Hex(value).slice(0, 16)} len=${value.length}`;
}

export function isRedacted(value: string): boolean {
  return value.startsWith(defaults.audit.redactedPrefix);
}

const SECRET_NAME = new RegExp(defaults.audit.secretEnvNamePattern, 'i');
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PASSWORD_LIKE = /(^|[\s;,{"'])(pass(word)?|passwd|secret|token|api[_-]?key)\s*[=:]\s*\S/im;

/** Whether an env variable name looks like it carries a secret (SW-17). `*_FILE` names point at a file and are fine. */
export function secretLikeEnvName(name: string): boolean {
  return SECRET_NAME.test(name) && !/_FILE$/i.test(name);
}

/** A swarm join token: SWMTKN-1-<base36 CA digest>-<base36 secret> (SwarmKit ca/config.go format). */
const JOIN_TOKEN = /SWMTKN-1-[0-9a-z]{40,}-[0-9a-z]{20,}/g;
const JOIN_TOKEN_TEST = /SWMTKN-1-[0-9a-z]{40,}-[0-9a-z]{20,}/;

/** sha256 (hex) of every join-token-shaped substring. */
export function joinTokenFingerprints(text: string): string[] {
  return [...text.matchAll(JOIN_TOKEN)].map((m) => sha256Hex(m[0]));
}

function redactTokens(value: string): string {
  return value.replace(JOIN_TOKEN, (t) => redactedValue(t));
}

function redactLabels(labels: Record<string, string> | null | undefined, hints: Set<string>): Record<string, string> | null | undefined {
  if (!labels || typeof labels !== 'object') return labels;
  return Object.fromEntries(
    Object.entries(labels).map(([k, v]) => {
      if (typeof v !== 'string') return [k, v];
      for (const fp of joinTokenFingerprints(v)) hints.add(fp);
      return [k, redactTokens(v)];
    }),
  );
}

function redactEnv(env: string[], hints?: Set<string>): string[] {
  if (!Array.isArray(env)) return env;
  return env.map((kv) => {
    if (typeof kv !== 'string') return kv;
    for (const fp of joinTokenFingerprints(kv)) hints?.add(fp);
    const i = kv.indexOf('=');
    if (i < 0) return redactTokens(kv);
    const name = kv.slice(0, i);
    const value = kv.slice(i + 1);
    if (value === '' || isRedacted(value)) return kv;
    if (joinTokenFingerprints(value).length) return `${name}=${redactedValue(value)}`;
    return secretLikeEnvName(name) || PRIVATE_KEY.test(value) ? `${name}=${redactedValue(value)}` : kv;
  });
}

function asArray<T>(x: unknown): T[] {
  return Array.isArray(x) ? (x as T[]) : [];
}

/**
 * Make raw API answers safe to store and uniform to read. Idempotent: running
 * it over an already-normalized snapshot changes nothing.
 */
export function normalizeFacts(facts: Facts): Facts {
  const out: Facts = { ...facts };
  if ('data' in facts.swarm && facts.swarm.data && typeof facts.swarm.data === 'object') {
    const { JoinTokens, UnlockKey, ...rest } = facts.swarm.data as SwarmInfo & { JoinTokens?: { Worker?: string; Manager?: string }; UnlockKey?: string };
    const fp: { Worker?: string; Manager?: string } = { ...(rest.JoinTokenFingerprints ?? {}) };
    if (JoinTokens?.Worker) fp.Worker = sha256Hex(JoinTokens.Worker);
    if (JoinTokens?.Manager) fp.Manager = sha256Hex(JoinTokens.Manager);
    out.swarm = {
      data: { ...rest, ...(fp.Worker || fp.Manager ? { JoinTokenFingerprints: fp } : {}), ...(typeof UnlockKey === 'string' && UnlockKey ? { UnlockKeyFingerprint: sha256Hex(UnlockKey) } : {}) },
    };
  }
  if ('data' in facts.services) {
    out.services = {
      data: asArray<SwarmService>(facts.services.data).map((s) => {
        if (!s || typeof s !== 'object' || !s.Spec) return s;
        const hints = new Set(s.JoinTokenHints ?? []);
        const cs = s.Spec.TaskTemplate?.ContainerSpec;
        const spec = { ...s.Spec };
        if (spec.Labels) spec.Labels = redactLabels(spec.Labels, hints);
        if (cs && spec.TaskTemplate) {
          const c2 = { ...cs };
          if (cs.Env) c2.Env = redactEnv(cs.Env, hints);
          if (cs.Labels) c2.Labels = redactLabels(cs.Labels, hints);
          spec.TaskTemplate = { ...spec.TaskTemplate, ContainerSpec: c2 };
        }
        return { ...s, Spec: spec, ...(hints.size ? { JoinTokenHints: [...hints].sort() } : {}) };
      }),
    };
  }
  if ('data' in facts.tasks) {
    out.tasks = {
      data: asArray<Obj>(facts.tasks.data).map((t) => {
        if (!t || typeof t !== 'object') return t;
        const spec = t.Spec as { ContainerSpec?: ContainerSpec } | undefined;
        if (!spec?.ContainerSpec?.Env) return t;
        return { ...t, Spec: { ...spec, ContainerSpec: { ...spec.ContainerSpec, Env: redactEnv(spec.ContainerSpec.Env) } } };
      }),
    };
  }
  if ('data' in facts.secrets) {
    out.secrets = {
      data: asArray<SwarmSecret>(facts.secrets.data).map((s) => {
        if (!s || typeof s !== 'object' || !s.Spec || typeof s.Spec !== 'object' || !('Data' in s.Spec)) return s;
        const { Data: _drop, ...spec } = s.Spec;
        return { ...s, Spec: spec };
      }),
    };
  }
  if ('data' in facts.configs) {
    out.configs = {
      data: asArray<SwarmConfig>(facts.configs.data).map((c) => {
        if (!c || typeof c !== 'object' || !c.Spec || typeof c.Spec !== 'object' || typeof c.Spec.Data !== 'string') return c;
        const { Data, ...spec } = c.Spec as { Data: string } & Obj;
        const content = Buffer.from(Data, 'base64');
        const text = content.toString('utf8');
        return {
          ...c,
          Spec: spec,
          ContentHints: {
            sha256: sha256Hex(content),
            bytes: content.length,
            privateKey: PRIVATE_KEY.test(text),
            passwordLike: PASSWORD_LIKE.test(text),
            ...(joinTokenFingerprints(text).length ? { joinTokens: [...new Set(joinTokenFingerprints(text))].sort() } : {}),
          },
        };
      }),
    };
  }
  // last safety net: no join-token-shaped string survives anywhere (node, network, secret labels, task specs, ...)
  for (const e of ENDPOINTS) {
    const f = out[e.name] as Fact<unknown>;
    if ('data' in f) (out as unknown as Record<string, Fact<unknown>>)[e.name] = { data: scrubTokens(f.data, 0) };
  }
  return out;
}

/**
 * Redact join tokens anywhere in parsed JSON. Copy-on-write: a value with no token in it is
 * returned as is (a 20,000-service snapshot holds none, and copying it all cost a second of
 * a 4,700-node audit); an array or object is copied only when something below it changed.
 */
function scrubTokens(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return JOIN_TOKEN_TEST.test(v) ? redactTokens(v) : v;
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = scrubTokens(x, depth + 1);
      if (out) out.push(y);
      else if (y !== x) {
        out = v.slice(0, i);
        out.push(y);
      }
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let entries: Array<[string, unknown]> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    const y = scrubTokens(x, depth + 1);
    if (entries) entries.push([k, y]);
    else if (y !== x) {
      entries = keys.slice(0, i).map((kk) => [kk, o[kk]]);
      entries.push([k, y]);
    }
  }
  // own data properties, defined (not assigned) as JSON.parse does, so a "__proto__" key stays a key
  return entries ? Object.fromEntries(entries) : v;
}

/** The facts of a snapshot where every endpoint is unavailable for one reason. */
export function emptyFacts(reason: string): Facts {
  return Object.fromEntries(ENDPOINTS.map((e) => [e.name, { unavailable: reason }])) as unknown as Facts;
}

/**
 * The audit snapshot: Engine API facts, typed and JSON-serializable. Each
 * endpoint is either its data or `{ unavailable: reason }`, so a rule can say
 * "unknown" instead of guessing. Join tokens, secret values and config
 * contents never enter a snapshot: they are replaced by fingerprints and hints
 * in `normalizeFacts` (the one place raw API answers are made safe to keep).
 */
import { createHash } from 'node:crypto';
import { defaults } from '../defaults.js';
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
  Secrets?: Array<{ SecretName?: string; File?: { Mode?: number } }>;
  Privileges?: Obj;
}
export interface SwarmService extends Obj {
  ID: string;
  Spec?: {
    Name?: string;
    TaskTemplate?: {
      ContainerSpec?: ContainerSpec;
      Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number } };
      RestartPolicy?: { Condition?: string; MaxAttempts?: number };
      Networks?: Array<{ Target?: string }>;
      Placement?: { Constraints?: string[] };
    } & Obj;
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
  ContentHints?: { sha256: string; bytes: number; privateKey: boolean; passwordLike: boolean };
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

function redactEnv(env: string[]): string[] {
  return env.map((kv) => {
    const i = kv.indexOf('=');
    if (i < 0) return kv;
    const name = kv.slice(0, i);
    const value = kv.slice(i + 1);
    if (value === '' || isRedacted(value)) return kv;
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
    const { JoinTokens, ...rest } = facts.swarm.data as SwarmInfo & { JoinTokens?: { Worker?: string; Manager?: string } };
    const fp: { Worker?: string; Manager?: string } = { ...(rest.JoinTokenFingerprints ?? {}) };
    if (JoinTokens?.Worker) fp.Worker = sha256Hex(JoinTokens.Worker);
    if (JoinTokens?.Manager) fp.Manager = sha256Hex(JoinTokens.Manager);
    out.swarm = { data: { ...rest, ...(fp.Worker || fp.Manager ? { JoinTokenFingerprints: fp } : {}) } };
  }
  if ('data' in facts.services) {
    out.services = {
      data: asArray<SwarmService>(facts.services.data).map((s) => {
        const cs = s.Spec?.TaskTemplate?.ContainerSpec;
        if (!cs?.Env) return s;
        return { ...s, Spec: { ...s.Spec, TaskTemplate: { ...s.Spec!.TaskTemplate, ContainerSpec: { ...cs, Env: redactEnv(cs.Env) } } } };
      }),
    };
  }
  if ('data' in facts.tasks) {
    out.tasks = {
      data: asArray<Obj>(facts.tasks.data).map((t) => {
        const spec = t.Spec as { ContainerSpec?: ContainerSpec } | undefined;
        if (!spec?.ContainerSpec?.Env) return t;
        return { ...t, Spec: { ...spec, ContainerSpec: { ...spec.ContainerSpec, Env: redactEnv(spec.ContainerSpec.Env) } } };
      }),
    };
  }
  if ('data' in facts.secrets) {
    out.secrets = {
      data: asArray<SwarmSecret>(facts.secrets.data).map((s) => {
        if (!s.Spec || !('Data' in s.Spec)) return s;
        const { Data: _drop, ...spec } = s.Spec;
        return { ...s, Spec: spec };
      }),
    };
  }
  if ('data' in facts.configs) {
    out.configs = {
      data: asArray<SwarmConfig>(facts.configs.data).map((c) => {
        if (!c.Spec || typeof c.Spec.Data !== 'string') return c;
        const { Data, ...spec } = c.Spec as { Data: string } & Obj;
        const content = Buffer.from(Data, 'base64');
        const text = content.toString('utf8');
        return {
          ...c,
          Spec: spec,
          ContentHints: { sha256: sha256Hex(content), bytes: content.length, privateKey: PRIVATE_KEY.test(text), passwordLike: PASSWORD_LIKE.test(text) },
        };
      }),
    };
  }
  return out;
}

/** The facts of a snapshot where every endpoint is unavailable for one reason. */
export function emptyFacts(reason: string): Facts {
  return Object.fromEntries(ENDPOINTS.map((e) => [e.name, { unavailable: reason }])) as unknown as Facts;
}

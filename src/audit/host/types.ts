/**
 * Host facts: what an audit on the node itself adds to the Engine API facts.
 * The daemon's own flags and daemon.json, owners and modes of the files CIS
 * section 3 names, listening sockets, and the local swarm state. Never key
 * material or secret values: of swarm-node.key only its PEM type and header
 * names (and the raft-dek record's algorithm) are kept.
 */

/** Where an effective setting came from. */
/** `override`: given to swarmguard (--data-root ...) instead of discovered. */
export type SettingSource = 'flag' | 'config-file' | 'default' | 'override';

export interface Setting {
  value: unknown;
  source: SettingSource;
  /** The flag or key as written, e.g. `--log-level` or `log-level`, or why a value was derived. */
  from?: string;
}

export interface FileFact {
  path: string;
  /** false: the path does not exist (the other fields are absent). */
  exists: boolean;
  type?: 'file' | 'directory' | 'socket' | 'symlink' | 'other';
  /** Permission bits and setuid/setgid/sticky, as a number (0o644 is 420). */
  mode?: number;
  uid?: number;
  gid?: number;
  user?: string;
  group?: string;
  /** When `path` is a symlink: where it points (mode and owner are the target's). */
  linkTarget?: string;
  /** Why the path could not be read (EACCES ...), when it exists but stat failed. */
  error?: string;
}

/** The files of CIS section 3 (and the swarm state), by role. */
export const FILE_ROLES = [
  'docker.service',
  'docker.socket',
  'etc-docker',
  'registry-certs',
  'tlscacert',
  'tlscert',
  'tlskey',
  'docker-sock',
  'daemon-json',
  'etc-default-docker',
  'etc-sysconfig-docker',
  'containerd-sock',
] as const;
export type FileRole = (typeof FILE_ROLES)[number];

export interface ListeningSocket {
  proto: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  inode: number;
  /** The socket is one of the daemon process's open files. */
  daemon: boolean;
}

export interface NodeCertFact {
  path: string;
  notBefore: string;
  notAfter: string;
  subject: { O?: string; OU?: string; CN?: string };
  issuer: string;
}

export interface NodeKeyFact {
  path: string;
  file: FileFact;
  /** PEM label: `ENCRYPTED PRIVATE KEY`, `PRIVATE KEY`, `EC PRIVATE KEY`. */
  pemType: string;
  encrypted: boolean;
  /** The kek-version header (decimal), when present. */
  kekVersion?: string;
  /** Names of the PEM headers (values are never kept). */
  headers: string[];
  /** The raft-dek record's algorithm: 0 NONE (DEK in clear), 1 secretbox, 2 fernet; absent without the header. */
  raftDekAlgorithm?: number;
  raftDekPending: boolean;
}

export interface SwarmStateFacts {
  dataRoot: string;
  execRoot: string;
  /** `<data-root>/swarm`. */
  dir: FileFact;
  /** `<exec-root>/swarm/control.sock`: swarmkit's full control API. */
  controlSock: FileFact;
  nodeCert?: NodeCertFact | { path: string; unavailable: string };
  nodeKey?: NodeKeyFact | { path: string; unavailable: string };
}

export interface DaemonProcess {
  pid: number;
  /** How the PID was found: `pidfile <path>` or `owner of <socket>`. */
  foundBy: string;
  argv: string[];
}

export interface HostFacts {
  format: 'swarmguard-host-facts/1';
  /** Absent (with the reason) when the daemon process could not be identified. */
  daemon: DaemonProcess | { unavailable: string };
  /** Flags as parsed from argv: long name (no dashes) to the values given, in order. */
  flags: Record<string, string[]>;
  /** Flags this version does not know (kept so nothing is silently ignored). */
  unrecognizedFlags: string[];
  configFile: { path: string; file: FileFact; loaded: boolean; error?: string };
  /** daemon.json keys dockerd does not know (dockerd 20.10 refuses to start with them). */
  unknownConfigKeys: string[];
  /** Effective settings (daemon.json key names), with their source. */
  settings: Record<string, Setting>;
  /** Directives given both as a flag and in daemon.json (dockerd refuses to start so). */
  conflicts: string[];
  files: Partial<Record<FileRole, FileFact[]>>;
  listening: ListeningSocket[] | { unavailable: string };
  swarm: SwarmStateFacts;
}

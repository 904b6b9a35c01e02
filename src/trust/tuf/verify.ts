/**
 * TUF 1.0 repositories through tuf-js, behind the same TrustVerifier
 * interface as Notary v1 and with the same refusal codes.
 *
 * What we add around tuf-js: every metadata file passes our strict JSON
 * parser first (duplicate keys are refused — tuf-js's JSON.parse keeps the
 * last), downloads go through our Fetcher or a directory with the size caps,
 * the verification time is injected (tuf-js reads `new Date()` once per
 * update; we overwrite that one reading), structural checks tuf-js's models
 * leave out run first (validate.ts), and tuf-js errors are mapped onto
 * the trust refusal codes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { ValueError } from '@tufjs/models';
import { Updater, type Fetcher as TufFetcher } from 'tuf-js';
import * as tufErrors from 'tuf-js/dist/error.js';
import type { Clock } from '../../core/clock.js';
import { isSwarmguardError } from '../../errors.js';
import { refuse, TrustError, TrustInputError, type TrustRefusalCode } from '../errors.js';
import type { Fetcher } from '../fetcher.js';
import { parseJson } from '../notary/json.js';
import type { TrustVerifier, VerifiedTarget } from '../verifier.js';
import { validateTufMetadata } from './validate.js';

/** Where TUF metadata comes from: files named as the repository serves them (`timestamp.json`, `2.root.json`, `role%2Fx.json`). */
export interface TufSource {
  readonly description: string;
  /** The bytes, or undefined when absent (404). */
  fetch(name: string, maxBytes: number): Promise<Buffer | undefined>;
}

/** A directory laid out as a TUF repository's metadata base URL. */
export class TufDirectorySource implements TufSource {
  readonly description: string;
  constructor(private readonly dir: string) {
    this.description = path.resolve(dir);
  }
  async fetch(name: string, maxBytes: number): Promise<Buffer | undefined> {
    // tuf-js percent-encodes role names, so a file name never holds a separator; refuse anything that does.
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') throw new TypeError(`TufDirectorySource: bad file name ${JSON.stringify(name)}`);
    let fh;
    try {
      fh = await open(path.join(this.dir, name), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TrustInputError('ERR_TRUST_INPUT', `cannot read ${path.join(this.dir, name)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
    }
    try {
      const st = await fh.stat();
      if (st.size > maxBytes) throw refuse('ERR_TRUST_TOO_LARGE', name, `${name}: ${st.size} bytes, more than the ${maxBytes} allowed`, { length: st.size, max: maxBytes });
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }
}

/** A TUF repository over HTTPS: `<baseUrl>/<name>`. */
export class TufHttpSource implements TufSource {
  readonly description: string;
  private readonly base: string;
  constructor(baseUrl: string, private readonly fetcher: Fetcher) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.description = this.base;
  }
  async fetch(name: string, maxBytes: number): Promise<Buffer | undefined> {
    const r = await this.fetcher.get(`${this.base}${name}`, maxBytes, name);
    if (r.status === 200) return r.body;
    if (r.status === 404 || r.status === 403) return undefined;
    throw new tufErrors.DownloadHTTPError(`${name}: HTTP ${r.status}`, r.status);
  }
}

/** The base URL tuf-js joins names onto; the adapter maps it back to a source name. */
const SENTINEL = 'https://tuf-source.invalid/metadata/';

/** tuf-js's Fetcher over a TufSource; remembers our own refusal so it survives tuf-js's re-wrapping. */
class SourceAdapter implements TufFetcher {
  lastError: unknown;
  constructor(private readonly source: TufSource) {}

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const name = url.startsWith(SENTINEL) ? url.slice(SENTINEL.length) : url;
    try {
      const b = await this.source.fetch(name, maxLength);
      if (b === undefined) throw new tufErrors.DownloadHTTPError(`${name} not found`, 404);
      if (b.length > maxLength) throw refuse('ERR_TRUST_TOO_LARGE', name, `${name}: more than the ${maxLength} bytes allowed`);
      // strict JSON (duplicate keys, bad UTF-8), then what tuf-js's models do not check
      validateTufMetadata(parseJson(b, decodeURIComponent(name)), decodeURIComponent(name));
      return b;
    } catch (e) {
      if (!(e instanceof tufErrors.DownloadHTTPError && e.statusCode === 404 && /^\d+\.root\.json$/.test(name))) this.lastError = e;
      throw e;
    }
  }

  downloadFile<T>(): Promise<T> {
    return Promise.reject(new TypeError('swarmguard TUF verifier: target downloads are not supported (only target metadata is verified)'));
  }
}

const CLASS_CODES: Array<[new (...a: never[]) => Error, TrustRefusalCode]> = [
  [tufErrors.ExpiredMetadataError, 'ERR_TRUST_EXPIRED'],
  [tufErrors.DownloadLengthMismatchError, 'ERR_TRUST_TOO_LARGE'],
];

/** tuf-js errors → trust refusal codes (classes where they survive, else the message). */
export function mapTufError(e: unknown, adapter?: SourceAdapter): Error {
  if (isSwarmguardError(e)) return e;
  if (adapter?.lastError !== undefined && isSwarmguardError(adapter.lastError)) return adapter.lastError;
  const err = e instanceof Error ? e : new Error(String(e));
  const msg = err.message;
  for (const [cls, code] of CLASS_CODES) if (err instanceof cls) return refuse(code, undefined, `TUF: ${msg}`, {}, err);
  if (err instanceof tufErrors.DownloadHTTPError) {
    if (err.statusCode === 404) return refuse('ERR_TRUST_NO_DATA', undefined, `TUF: ${msg}`, {}, err);
  }
  const by = (code: TrustRefusalCode): TrustError => refuse(code, undefined, `TUF: ${msg}`, {}, err);
  // The models throw ValueError / TypeError only while reading a document's fields: malformed, whatever the
  // message says, except a repeated signature (one key counted twice towards a threshold: the attack-table code).
  if (err instanceof ValueError && /^expected '\w+', got/.test(msg)) return by('ERR_TRUST_ROLE_CONFUSION');
  if (err instanceof ValueError || err instanceof TypeError) return by(/^multiple signatures found/.test(msg) ? 'ERR_TRUST_THRESHOLD' : 'ERR_TRUST_MALFORMED');
  if (/^Expected version \d+, got \d+/.test(msg)) return by('ERR_TRUST_ROOT_ROTATION');
  if (/expired/i.test(msg)) return by('ERR_TRUST_EXPIRED');
  if (/Max length reached/i.test(msg)) return by('ERR_TRUST_TOO_LARGE');
  if (/version/i.test(msg)) return by('ERR_TRUST_ROLLBACK');
  if (/hash|length/i.test(msg)) return by('ERR_TRUST_MIX_AND_MATCH');
  if (/signature|threshold|signed|unsigned/i.test(msg)) return by('ERR_TRUST_THRESHOLD');
  if (/Expected '?\w+'?, got/.test(msg)) return by('ERR_TRUST_ROLE_CONFUSION');
  if (/not found|No trusted root/i.test(msg)) return by('ERR_TRUST_NO_DATA');
  if (/max delegations/i.test(msg)) return by('ERR_TRUST_DELEGATION_PATH');
  return by('ERR_TRUST_MALFORMED');
}

export interface TufVerifyOptions {
  /** For messages and results: the repository's URL or directory. */
  repository: string;
  source: TufSource;
  /**
   * The client's metadata directory: holds the trusted root.json (the anchor)
   * and the last verified metadata (rollback protection); tuf-js updates it.
   */
  metadataDir: string;
  /** A root to trust when metadataDir has none yet (pinned out of band). */
  trustedRoot?: Buffer;
  clock: Clock;
  /** tuf-js limits (root 512,000 bytes by default, as go-tuf; 32 delegated roles visited per lookup). */
  maxRootBytes?: number;
  maxDelegations?: number;
}

export interface TufVerification extends VerifiedTarget {
  versions: Record<string, number>;
  at: string;
}

interface Refreshed {
  updater: Updater;
  adapter: SourceAdapter;
  at: Date;
  /** tuf-js's trusted metadata by role name. */
  roles: Record<string, { signed: { version: number; targets?: Record<string, unknown> } }>;
  versions: Record<string, number>;
}

async function refresh(o: TufVerifyOptions): Promise<Refreshed> {
  const at = o.clock.now();
  const rootFile = path.join(o.metadataDir, 'root.json');
  if (!existsSync(rootFile)) {
    if (!o.trustedRoot) {
      throw refuse('ERR_TRUST_NO_ANCHOR', 'root', `TUF: no trusted root.json in ${o.metadataDir}; put the repository's root (obtained out of band) there, or pass it as the trusted root (CLI: --root FILE)`);
    }
    mkdirSync(o.metadataDir, { recursive: true, mode: 0o700 });
    writeFileSync(rootFile, o.trustedRoot, { mode: 0o600 });
  }
  validateTufMetadata(parseJson(readFileSync(rootFile), 'root (trusted)'), 'root (trusted)');
  const adapter = new SourceAdapter(o.source);
  let updater: Updater;
  try {
    updater = new Updater({
      metadataDir: o.metadataDir,
      metadataBaseUrl: SENTINEL,
      fetcher: adapter,
      config: {
        ...(o.maxRootBytes !== undefined ? { rootMaxLength: o.maxRootBytes } : {}),
        ...(o.maxDelegations !== undefined ? { maxDelegations: o.maxDelegations } : {}),
        fetchRetries: 0,
      },
    });
  } catch (e) {
    throw mapTufError(e, adapter);
  }
  // tuf-js reads the clock once, in its trusted set's constructor; replace that reading (STYLE habit 5).
  const trusted = (updater as unknown as { trustedSet?: { referenceTime?: Date } }).trustedSet;
  if (!trusted || !(trusted.referenceTime instanceof Date)) throw new TypeError('tuf-js internals changed: cannot inject the verification time');
  trusted.referenceTime = at;
  try {
    await updater.refresh();
  } catch (e) {
    throw mapTufError(e, adapter);
  }
  const roles = (updater as unknown as { trustedSet: { trustedSet: Refreshed['roles'] } }).trustedSet.trustedSet;
  const versions: Record<string, number> = {};
  for (const [role, md] of Object.entries(roles)) versions[role] = md.signed.version;
  return { updater, adapter, at, roles, versions };
}

/** Refresh a TUF repository (root rotation, timestamp, snapshot, targets); the versions now trusted. */
export async function refreshTufRepository(o: TufVerifyOptions): Promise<Record<string, number>> {
  return (await refresh(o)).versions;
}

/** Refresh a TUF repository and look up one target (delegations walked as tuf-js does). */
export async function verifyTufTarget(o: TufVerifyOptions, targetPath: string): Promise<TufVerification> {
  const r = await refresh(o);
  let info;
  try {
    info = await r.updater.getTargetInfo(targetPath);
  } catch (e) {
    throw mapTufError(e, r.adapter);
  }
  const versions: Record<string, number> = {};
  for (const [role, md] of Object.entries(r.roles)) versions[role] = md.signed.version;
  if (!info) throw refuse('ERR_TRUST_NOT_SIGNED', undefined, `TUF: ${targetPath} is not a target of ${o.repository}`, { target: targetPath, versions });
  const role = Object.entries(r.roles).find(([, md]) => md.signed.targets && Object.prototype.hasOwnProperty.call(md.signed.targets, targetPath))?.[0] ?? 'targets';
  const hashes: Record<string, string> = { ...info.hashes };
  const signers = authorisedKeys(r.roles, role).map((keyId) => ({ keyId }));
  return {
    format: 'tuf-1.0',
    repository: o.repository,
    name: targetPath,
    role,
    length: info.length,
    hashes,
    ...(hashes.sha256 ? { digest: `sha256:${hashes.sha256}` } : {}),
    // tuf-js does not say which keys signed: these are the keys authorised for the role (threshold met).
    signers,
    warnings: [],
    versions,
    at: r.at.toISOString(),
  };
}

type LooseRoles = Record<string, { signed: { roles?: Record<string, { keyIDs?: string[] }>; delegations?: { roles?: Record<string, { keyIDs?: string[] }> } } }>;

/** The key IDs a role's delegator lists for it (root for top-level roles, the parent's delegations otherwise). */
function authorisedKeys(set: object, role: string): string[] {
  const roles = set as LooseRoles;
  const fromRoot = roles.root?.signed.roles?.[role]?.keyIDs;
  if (fromRoot) return fromRoot;
  for (const md of Object.values(roles)) {
    const d = md.signed.delegations?.roles?.[role]?.keyIDs;
    if (d) return d;
  }
  return [];
}

export class TufVerifier implements TrustVerifier {
  readonly format = 'tuf-1.0' as const;
  constructor(private readonly options: TufVerifyOptions) {}
  verify(name: string): Promise<VerifiedTarget> {
    return verifyTufTarget(this.options, name);
  }
}

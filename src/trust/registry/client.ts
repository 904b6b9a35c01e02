/**
 * A minimal OCI / distribution v2 registry client: which manifest digest a
 * registry serves for a tag or digest, checked against the body.
 *
 * - token auth: a 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
 *   is answered by GET realm?service=…&scope=repository:<name>:pull (optionally
 *   with Basic credentials), then the request is repeated with the token;
 * - HEAD/GET /v2/<name>/manifests/<tag|digest> with the OCI and Docker v2
 *   Accept types; GET checks sha256(body) against `Docker-Content-Digest` and,
 *   for a digest reference, against the reference itself;
 * - size caps (Content-Length refused before reading, body cut at the cap),
 *   connect and total timeouts, no redirects, https unless allowHttp.
 *
 * Importing this module has no side effects.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { defaults } from '../../defaults.js';
import { refuse, TrustRuntimeError, TrustUsageError } from '../errors.js';
import { cappedRequest } from '../fetcher.js';
import { BearerAuth, header, type TokenCredentials } from '../token-auth.js';

/** The registry client's limits (defaults.trust.registry and the token answer cap). */
export const REGISTRY_LIMITS = Object.freeze({ ...defaults.trust.registry, maxTokenBytes: defaults.trust.auth.maxTokenBytes });

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface RegistryClientOptions {
  /** Base URL, e.g. https://registry.example or http://127.0.0.1:5000 (then allowHttp). */
  url: string;
  /** PEM CA certificates for the registry (and token realm) TLS certificates. */
  ca?: string | Buffer;
  allowHttp?: boolean;
  /** Basic credentials for the token endpoint. */
  username?: string;
  password?: string;
  /** Same as username/password, as one object. */
  credentials?: TokenCredentials;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxManifestBytes?: number;
}

export interface ManifestHead {
  /** `sha256:<hex>` as the registry announces it (Docker-Content-Digest), if it does. */
  digest?: string;
  mediaType?: string;
  size?: number;
}

export interface Manifest {
  /** `sha256:<hex>` of the body, checked against the header and a digest reference. */
  digest: string;
  mediaType?: string;
  body: Buffer;
}

export { parseWwwAuthenticate, type Challenge } from '../token-auth.js';

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function checkRef(name: string, reference: string): void {
  if (name.length > 255 || !NAME.test(name)) throw new TrustUsageError('ERR_TRUST_USAGE', `${JSON.stringify(name)} is not a repository name`);
  if (!TAG.test(reference) && !DIGEST.test(reference)) throw new TrustUsageError('ERR_TRUST_USAGE', `${JSON.stringify(reference)} is neither a tag nor a sha256 digest`);
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class RegistryClient {
  private readonly base: URL;
  private readonly agent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly auth: BearerAuth;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  readonly maxManifestBytes: number;

  constructor(private readonly o: RegistryClientOptions) {
    try {
      this.base = new URL(o.url.replace(/\/+$/, '') + '/');
    } catch (e) {
      throw new TrustUsageError('ERR_TRUST_USAGE', `${o.url} is not a URL`, { cause: e });
    }
    this.checkScheme(this.base);
    this.timeoutMs = o.timeoutMs ?? REGISTRY_LIMITS.timeoutMs;
    this.connectTimeoutMs = o.connectTimeoutMs ?? REGISTRY_LIMITS.connectTimeoutMs;
    this.maxManifestBytes = o.maxManifestBytes ?? REGISTRY_LIMITS.maxManifestBytes;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, minVersion: defaults.tls.minVersion, ...(o.ca !== undefined ? { ca: o.ca } : {}) });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const credentials = o.credentials ?? (o.username !== undefined ? { username: o.username, password: o.password ?? '' } : undefined);
    this.auth = new BearerAuth({
      ...(credentials ? { credentials } : {}),
      get: (u, headers, maxBytes, what) => this.request('GET', u, headers, maxBytes, what),
      checkScheme: (u) => this.checkScheme(u),
      maxTokenBytes: REGISTRY_LIMITS.maxTokenBytes,
      peer: `the registry ${this.base.origin}`,
    });
  }

  /** The base URL, for reports. */
  get url(): string {
    return this.base.href.replace(/\/$/, '');
  }

  close(): void {
    this.agent.destroy();
    this.httpAgent.destroy();
  }

  private checkScheme(u: URL): void {
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.o.allowHttp)) {
      throw new TrustUsageError('ERR_TRUST_USAGE', `${u.origin}: a registry is reached over https:// (allowHttp for a local registry)`);
    }
  }

  /** HEAD the manifest: the digest, type and size the registry announces (nothing is checked). */
  async headManifest(name: string, reference: string): Promise<ManifestHead> {
    checkRef(name, reference);
    const r = await this.authed('HEAD', name, `v2/${name}/manifests/${reference}`, 0, `manifest ${name}:${reference}`);
    if (r.status !== 200) throw this.statusError(r, `manifest ${name}:${reference}`);
    const digest = header(r.headers, 'docker-content-digest');
    const size = Number(header(r.headers, 'content-length'));
    return {
      ...(digest !== undefined && DIGEST.test(digest) ? { digest } : {}),
      ...(header(r.headers, 'content-type') !== undefined ? { mediaType: header(r.headers, 'content-type')! } : {}),
      ...(Number.isSafeInteger(size) ? { size } : {}),
    };
  }

  /** GET the manifest and check its sha256 against Docker-Content-Digest and a digest reference. */
  async getManifest(name: string, reference: string): Promise<Manifest> {
    checkRef(name, reference);
    const what = `manifest ${name}:${reference}`;
    const r = await this.authed('GET', name, `v2/${name}/manifests/${reference}`, this.maxManifestBytes, what);
    if (r.status !== 200) throw this.statusError(r, what);
    const digest = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
    const announced = header(r.headers, 'docker-content-digest');
    if (announced !== undefined && announced.startsWith('sha256:') && announced !== digest) {
      throw refuse('ERR_TRUST_MIX_AND_MATCH', 'manifest', `${what}: the registry announces ${announced} but the body it sent hashes to ${digest}`, { announced, actual: digest });
    }
    if (DIGEST.test(reference) && reference !== digest) {
      throw refuse('ERR_TRUST_MIX_AND_MATCH', 'manifest', `${what}: asked for ${reference}, the body hashes to ${digest}`, { expected: reference, actual: digest });
    }
    const mediaType = header(r.headers, 'content-type');
    return { digest, ...(mediaType !== undefined ? { mediaType } : {}), body: r.body };
  }

  private statusError(r: RawResponse, what: string): Error {
    let detail = '';
    try {
      const e = (JSON.parse(r.body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> }).errors?.[0];
      if (e) detail = `: ${e.code ?? ''} ${e.message ?? ''}`.trimEnd();
    } catch {
      // not the distribution error envelope
    }
    if (r.status === 404) return refuse('ERR_TRUST_NO_DATA', 'manifest', `${what}: not found at ${this.base.origin}${detail}`);
    return new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: ${this.base.origin} answered HTTP ${r.status}${detail}`, { details: { status: r.status } });
  }

  /** A request with token auth: on 401 + Bearer challenge, fetch a token for the scope and retry once. */
  private authed(method: 'GET' | 'HEAD', name: string, path: string, maxBytes: number, what: string): Promise<RawResponse> {
    const url = new URL(path, this.base);
    const accept = MANIFEST_MEDIA_TYPES.join(', ');
    const scope = `repository:${name}:pull`;
    return this.auth.run(scope, scope, what, (auth) => this.request(method, url, { accept, ...auth }, maxBytes, what));
  }

  private request(method: 'GET' | 'HEAD', u: URL, extra: Record<string, string>, maxBytes: number, what: string): Promise<RawResponse> {
    return cappedRequest({
      url: u,
      method,
      agent: u.protocol === 'https:' ? this.agent : this.httpAgent,
      headers: extra,
      maxBytes,
      errorBodyBytes: REGISTRY_LIMITS.maxErrorBytes,
      timeoutMs: this.timeoutMs,
      connectTimeoutMs: this.connectTimeoutMs,
      what,
      role: 'manifest',
      peer: 'registry',
    });
  }
}

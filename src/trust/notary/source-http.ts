/**
 * A notary server as a metadata source (spec §3):
 * GET /v2/<gun>/_trust/tuf/<role>.json, <role>.<sha256>.json, <N>.root.json.
 * The GUN goes into the path verbatim (it holds `/` and `:`).
 */
import { TrustRuntimeError } from '../errors.js';
import type { Fetcher } from '../fetcher.js';
import { isRoleName } from './metadata.js';
import type { FetchRequest, MetadataSource } from './update.js';

/** Characters kept verbatim in the GUN path segment; anything else is percent-encoded. */
const GUN_SAFE = /[^A-Za-z0-9\-._~:/@]/g;

export class NotaryServerSource implements MetadataSource {
  readonly description: string;
  private readonly base: string;

  constructor(
    serverUrl: string,
    gun: string,
    private readonly fetcher: Fetcher,
  ) {
    const u = serverUrl.replace(/\/+$/, '');
    this.base = `${u}/v2/${gun.replace(GUN_SAFE, (c) => encodeURIComponent(c))}/_trust/tuf/`;
    this.description = `${u} (${gun})`;
  }

  /** The URL of one metadata file: by checksum when the parent gave one (spec §8: as the Go client asks). */
  urlFor(req: FetchRequest): string {
    if (!isRoleName(req.role)) throw new TypeError(`NotaryServerSource: ${JSON.stringify(req.role)} is not a role name`);
    if (req.version !== undefined) return `${this.base}${req.version}.${req.role}.json`;
    if (req.sha256 !== undefined) return `${this.base}${req.role}.${req.sha256}.json`;
    return `${this.base}${req.role}.json`;
  }

  async fetch(req: FetchRequest): Promise<Buffer | undefined> {
    const url = this.urlFor(req);
    const what = req.version !== undefined ? `${req.version}.${req.role}` : req.role;
    const res = await this.fetcher.get(url, req.maxBytes, what);
    if (res.status === 200) return res.body;
    if (res.status === 404) return undefined;
    let detail = '';
    try {
      const j = JSON.parse(res.body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
      const e = j.errors?.[0];
      if (e) detail = `: ${e.code ?? ''} ${e.message ?? ''}`.trimEnd();
    } catch {
      // not the notary error envelope
    }
    if (res.status === 401 || res.status === 403) {
      // The fetcher already answered a Bearer challenge; what is left is a refusal of the account.
      throw new TrustRuntimeError('ERR_TRUST_AUTH', `${what}: ${this.description} answered ${res.status}${detail}; the credentials given lack pull access to this repository`, {
        details: { status: res.status },
      });
    }
    if (res.status >= 300 && res.status < 400) {
      throw new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: ${this.description} redirects (${res.status}); redirects are not followed for trust data, give the final server URL`);
    }
    throw new TrustRuntimeError('ERR_TRUST_SERVER', `${what}: ${this.description} answered HTTP ${res.status}${detail}`, { details: { status: res.status } });
  }
}

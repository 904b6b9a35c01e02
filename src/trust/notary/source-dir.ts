/**
 * A directory of Notary metadata as a server serves it (or as the notary
 * client caches it under tuf/<gun>/metadata): root.json, N.root.json,
 * timestamp.json, snapshot.json, targets.json, targets/<role>.json.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { refuse, TrustInputError } from '../errors.js';
import { isRoleName } from './metadata.js';
import type { FetchRequest, MetadataSource } from './update.js';

export class DirectorySource implements MetadataSource {
  readonly description: string;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.description = this.dir;
  }

  /** Refuse a directory that does not exist before any verification starts (bad input, exit 2). */
  async check(): Promise<void> {
    let st;
    try {
      st = await fsp.stat(this.dir);
    } catch (e) {
      throw new TrustInputError('ERR_TRUST_INPUT', `cannot read the metadata directory ${this.dir} (${(e as NodeJS.ErrnoException).code ?? 'error'}); check --offline`, { cause: e });
    }
    if (!st.isDirectory()) throw new TrustInputError('ERR_TRUST_INPUT', `${this.dir} is not a directory; --offline takes a directory of root.json, timestamp.json, …`);
  }

  async fetch(req: FetchRequest): Promise<Buffer | undefined> {
    // Role names are validated (charset [-a-z0-9_/], no dots), so the path cannot leave the directory.
    if (!isRoleName(req.role)) throw new TypeError(`DirectorySource: ${JSON.stringify(req.role)} is not a role name`);
    const name = req.version !== undefined ? `${req.version}.${req.role}.json` : `${req.role}.json`;
    const file = path.join(this.dir, ...name.split('/'));
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new TrustInputError('ERR_TRUST_INPUT', `cannot read ${file} (${code ?? 'error'})`, { cause: e });
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new TrustInputError('ERR_TRUST_INPUT', `${file} is not a regular file`);
      if (st.size > req.maxBytes) {
        throw refuse('ERR_TRUST_TOO_LARGE', req.role, `${file}: ${st.size} bytes, more than the ${req.maxBytes} allowed for ${req.role}`, {
          length: st.size,
          max: req.maxBytes,
        });
      }
      // Read at most maxBytes + 1 even if the file grew after stat.
      const buf = Buffer.alloc(req.maxBytes + 1 > st.size + 1 ? st.size + 1 : req.maxBytes + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n === buf.length) break;
      }
      if (n > req.maxBytes) throw refuse('ERR_TRUST_TOO_LARGE', req.role, `${file}: more than the ${req.maxBytes} bytes allowed for ${req.role}`, { max: req.maxBytes });
      return buf.subarray(0, n);
    } finally {
      await fh.close();
    }
  }
}

import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';

export interface PemBlock {
  type: string;
  /** RFC 1421-style headers (`kek-version: 0`), in file order. */
  headers: Array<[string, string]>;
  der: Buffer;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]{1,64})-----$/;
const B64_LINE = /^[A-Za-z0-9+/=]*$/;

/**
 * Parse every PEM block in `text` (linear time, bounded block count).
 * Text outside blocks is ignored, as OpenSSL does; a block that is opened and
 * not closed, or whose body is not base64, is an error.
 */
export function parsePem(input: string | Uint8Array, what = 'PEM input'): PemBlock[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = BEGIN.exec((lines[i] ?? '').trim());
    if (!m) continue;
    const type = m[1]!;
    const end = `-----END ${type}-----`;
    const headers: Array<[string, string]> = [];
    const body: string[] = [];
    let inHeaders = true;
    let closed = false;
    for (i++; i < lines.length; i++) {
      const line = (lines[i] ?? '').trim();
      if (line === end) {
        closed = true;
        break;
      }
      if (inHeaders) {
        const h = /^([A-Za-z0-9-]{1,64}):\s?(.*)$/.exec(line);
        if (h && body.length === 0) {
          headers.push([h[1]!, h[2]!]);
          continue;
        }
        inHeaders = false;
        if (line === '') continue;
      }
      if (!B64_LINE.test(line)) {
        throw new InputError('ERR_PEM_MALFORMED', `${what}: the ${type} block has a line that is not base64; re-export the file`);
      }
      body.push(line);
    }
    if (!closed) throw new InputError('ERR_PEM_MALFORMED', `${what}: the ${type} block has no END line; the file is truncated`);
    const b64 = body.join('');
    if (b64.length % 4 !== 0 || /=[^=]/.test(b64)) {
      throw new InputError('ERR_PEM_MALFORMED', `${what}: the ${type} block's base64 has a bad length or padding; the file is damaged`);
    }
    blocks.push({ type, headers, der: Buffer.from(b64, 'base64') });
    if (blocks.length > defaults.x509.maxPemBlocks) {
      throw new InputError('ERR_PEM_TOO_MANY', `${what}: more than ${defaults.x509.maxPemBlocks} PEM blocks; split the file`);
    }
  }
  return blocks;
}

/** Encode DER as PEM with 64-character lines and optional headers (Go's pem layout). */
export function toPem(type: string, der: Uint8Array, headers: Array<[string, string]> = []): string {
  const b64 = Buffer.from(der).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (const [k, v] of headers) out += `${k}: ${v}\n`;
  if (headers.length > 0) out += '\n';
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n';
  return out + `-----END ${type}-----\n`;
}

/** True when the bytes look like PEM text rather than DER. */
export function looksLikePem(input: Uint8Array): boolean {
  const head = Buffer.from(input.subarray(0, 4096)).toString('latin1');
  return head.includes('-----BEGIN ');
}

/**
 * Read one or more DER objects of a given PEM type from PEM or raw DER input.
 * Raw DER yields a single object.
 */
export function derObjects(input: Uint8Array, types: readonly string[], what: string): Buffer[] {
  if (!looksLikePem(input)) return [Buffer.from(input)];
  const blocks = parsePem(input, what).filter((b) => types.includes(b.type));
  if (blocks.length === 0) {
    throw new InputError('ERR_PEM_NO_BLOCK', `${what}: no ${types.join(' or ')} block found; pass a PEM or DER file of that kind`);
  }
  return blocks.map((b) => b.der);
}

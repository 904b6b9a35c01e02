/**
 * The trust-root bundle a join token names (swarmkit spec 1.2): the exact PEM
 * bytes, as in `swarm-root-ca.crt` or the API's TLSInfo.TrustRoot.
 */
import { X509Certificate } from 'node:crypto';
import { parsePem, toPem } from '../core/pem.js';
import { defaults } from '../defaults.js';
import { TokenFormatError } from './errors.js';
import { rootDigest } from './join-token.js';

export interface RootBundle {
  /** The bytes as given: the digest is over these, unchanged. */
  pem: Buffer;
  digestHex: string;
  certificates: Array<{ subject: string; fingerprint256: string; notAfter: string }>;
  /** Set when the bytes are not in the layout SwarmKit writes (a mismatch is then likely an edited file). */
  layoutNote?: string;
  /** SHA-256 of the bundle re-encoded the way SwarmKit writes it (LF, 64-char lines, certificates only). */
  canonicalDigestHex: string;
}

/** Read a root bundle strictly enough to be sure it is one; never alters the bytes the digest covers. */
export function loadRootBundle(input: Uint8Array | string, what = 'root bundle'): RootBundle {
  const pem = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (pem.length === 0) throw new TokenFormatError('ERR_TOKEN_ROOT', `${what} is empty; pass the swarm's root CA PEM (swarm-root-ca.crt)`);
  if (pem.length > defaults.tokens.roots.maxBundleBytes) {
    throw new TokenFormatError('ERR_TOKEN_ROOT', `${what} is larger than ${defaults.tokens.roots.maxBundleBytes} bytes; it is not a swarm root bundle`);
  }
  let blocks;
  try {
    blocks = parsePem(pem, what);
  } catch (e) {
    throw new TokenFormatError('ERR_TOKEN_ROOT', `${what} is not valid PEM (${(e as Error).message})`, { cause: e });
  }
  const certs = blocks.filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) {
    throw new TokenFormatError('ERR_TOKEN_ROOT', `${what} has no CERTIFICATE block; pass the PEM root bundle (swarm-root-ca.crt or GET /swarm TLSInfo.TrustRoot)`);
  }
  const certificates = certs.map((b, i) => {
    try {
      const c = new X509Certificate(b.der);
      return { subject: c.subject.replace(/\n/g, ', '), fingerprint256: c.fingerprint256.replace(/:/g, '').toLowerCase(), notAfter: new Date(c.validTo).toISOString() };
    } catch (e) {
      throw new TokenFormatError('ERR_TOKEN_ROOT', `${what}: certificate ${i + 1} cannot be parsed; the bundle is damaged`, { cause: e });
    }
  });
  const canonical = certs.map((b) => toPem('CERTIFICATE', b.der)).join('');
  const text = pem.toString('latin1');
  let layoutNote: string | undefined;
  if (text.includes('\r')) layoutNote = 'the file has CR (Windows) line endings; SwarmKit writes LF';
  else if (blocks.length !== certs.length) layoutNote = 'the file has PEM blocks other than CERTIFICATE';
  else if (text !== canonical) layoutNote = 'the file differs from the PEM layout SwarmKit writes (text outside blocks, line length or final newline)';
  return {
    pem,
    digestHex: rootDigest(pem).toString('hex'),
    certificates,
    ...(layoutNote ? { layoutNote } : {}),
    canonicalDigestHex: rootDigest(canonical).toString('hex'),
  };
}

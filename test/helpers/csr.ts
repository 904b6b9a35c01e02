/** Test helper: build PKCS#10 CSRs with node:crypto keys (no openssl needed). */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { explicit, oid, seq, set, smallInt, tlv, Tag, directoryString, bitString } from '../../src/core/der.js';
import { toPem } from '../../src/core/pem.js';

export type KeySpec = { ec: 'P-256' | 'P-384' | 'P-521' | 'secp256k1' } | { rsa: number } | { ed25519: true };

export function makeKey(spec: KeySpec = { ec: 'P-256' }): { privateKey: KeyObject; publicKey: KeyObject } {
  if ('ec' in spec) return generateKeyPairSync('ec', { namedCurve: spec.ec });
  if ('rsa' in spec) return generateKeyPairSync('rsa', { modulusLength: spec.rsa });
  return generateKeyPairSync('ed25519');
}

const SIG: Record<string, { oid: string; hash: string | null; nullParams: boolean }> = {
  ec256: { oid: '1.2.840.10045.4.3.2', hash: 'sha256', nullParams: false },
  ec384: { oid: '1.2.840.10045.4.3.3', hash: 'sha384', nullParams: false },
  ec521: { oid: '1.2.840.10045.4.3.4', hash: 'sha512', nullParams: false },
  rsa: { oid: '1.2.840.113549.1.1.11', hash: 'sha256', nullParams: true },
  ed25519: { oid: '1.3.101.112', hash: null, nullParams: false },
};

export interface CsrOptions {
  key?: { privateKey: KeyObject; publicKey: KeyObject };
  spec?: KeySpec;
  /** [oid, value] pairs; empty by default, as SwarmKit's CSRs (spec 1.5 step 7). */
  subject?: Array<[string, string]>;
  /** Corrupt the signature (flip a byte). */
  tamper?: boolean;
}

export function makeCsr(opts: CsrOptions = {}): { der: Buffer; pem: string; key: { privateKey: KeyObject; publicKey: KeyObject } } {
  const spec = opts.spec ?? { ec: 'P-256' };
  const key = opts.key ?? makeKey(spec);
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const subject = seq(...(opts.subject ?? []).map(([o, v]) => set(seq(oid(o), directoryString(v)))));
  const info = seq(smallInt(0), subject, spki, explicit(0));
  const t = key.privateKey.asymmetricKeyType;
  const curve = key.privateKey.asymmetricKeyDetails?.namedCurve;
  const alg = t === 'rsa' ? SIG.rsa! : t === 'ed25519' ? SIG.ed25519! : curve === 'secp384r1' ? SIG.ec384! : curve === 'secp521r1' ? SIG.ec521! : SIG.ec256!;
  const sig = sign(alg.hash, info, key.privateKey);
  if (opts.tamper) sig[sig.length - 1]! ^= 0x01;
  const algDer = alg.nullParams ? seq(oid(alg.oid), tlv(Tag.NULL)) : seq(oid(alg.oid));
  const der = seq(info, algDer, bitString(sig));
  return { der, pem: toPem('CERTIFICATE REQUEST', der), key };
}

/**
 * `crossSignRoot`: the cross-signed intermediate of a root rotation (swarmkit
 * spec 2.4). The new root's TBSCertificate is copied field for field (serial,
 * validity, subject, key, extensions with its SKI); only the issuer, the
 * signature algorithm and the AKI change, and the old root's key signs.
 */
import { X509Certificate, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.js';
import { certFields } from '../core/certfields.js';
import { Tag, bytesOf, children, contentOf, decodeOid, explicit, expectTag, implicitPrim, readTlv, seq, tlv, type Tlv } from '../core/der.js';
import { subjectKeyId } from '../core/keys.js';
import { OID } from '../core/oids.js';
import { makeSigner } from './issue.js';
import { extension } from './profiles.js';

/** One extension of a certificate, as raw DER plus what identifies it. */
export interface RawExtension {
  oid: string;
  critical: boolean;
  /** Contents of the extnValue OCTET STRING. */
  value: Buffer;
  /** The whole Extension SEQUENCE, for verbatim copies. */
  der: Buffer;
}

interface TbsParts {
  version: Buffer;
  serial: Buffer;
  issuer: Buffer;
  validity: Buffer;
  subject: Buffer;
  spki: Buffer;
  /** issuerUniqueID / subjectUniqueID, copied as they are (never set by us). */
  uniqueIds: Buffer[];
  extensions: RawExtension[];
}

function tbsParts(certDer: Uint8Array, what: string): TbsParts {
  const tbs = certFields(certDer, what).tbs;
  const top = readTlv(tbs, 0, tbs.length, what);
  const f = children(tbs, top, what, 10);
  if (f[0]?.tag !== 0xa0) throw new InputError('ERR_CA_CROSS_SIGN', `${what} is not an X.509 v3 certificate; a root to rotate to must be v3 with CA extensions`);
  const [version, serial, , issuer, validity, subject, spki, ...rest] = f as [Tlv, Tlv, Tlv, Tlv, Tlv, Tlv, Tlv, ...Tlv[]];
  const extT = rest.find((t) => t.tag === 0xa3);
  return {
    version: bytesOf(tbs, version),
    serial: bytesOf(tbs, serial),
    issuer: bytesOf(tbs, issuer),
    validity: bytesOf(tbs, validity),
    subject: bytesOf(tbs, subject),
    spki: bytesOf(tbs, spki),
    uniqueIds: rest.filter((t) => t.tag === 0x81 || t.tag === 0xa1 || t.tag === 0x82 || t.tag === 0xa2).map((t) => bytesOf(tbs, t)),
    extensions: extT ? extensionList(tbs, extT, what) : [],
  };
}

function extensionList(buf: Buffer, wrapper: Tlv, what: string): RawExtension[] {
  const [list] = children(buf, wrapper, what, 1);
  const out: RawExtension[] = [];
  for (const e of children(buf, expectTag(list, Tag.SEQUENCE, what, 'extensions'), what, 64)) {
    const parts = children(buf, expectTag(e, Tag.SEQUENCE, what, 'extension'), what, 3);
    const oidT = expectTag(parts[0], Tag.OID, what, 'extnID');
    const critical = parts.length === 3 && parts[1]!.tag === Tag.BOOLEAN && buf[parts[1]!.contentStart] !== 0;
    const valueT = expectTag(parts[parts.length - 1], Tag.OCTET_STRING, what, 'extnValue');
    out.push({ oid: decodeOid(contentOf(buf, oidT), what), critical, value: contentOf(buf, valueT), der: bytesOf(buf, e) });
  }
  return out;
}

/** The extensions of a DER certificate in their order (none for v1/v2). */
export function certificateExtensions(certDer: Uint8Array, what = 'certificate'): RawExtension[] {
  const tbs = certFields(certDer, what).tbs;
  const f = children(tbs, readTlv(tbs, 0, tbs.length, what), what, 10);
  const extT = f.find((t) => t.tag === 0xa3);
  return extT ? extensionList(tbs, extT, what) : [];
}

/** The SKI a certificate declares (Go's parent.SubjectKeyId), else the SHA-1 method-1 value of its key. */
function declaredSki(certDer: Buffer): Buffer {
  const ext = certificateExtensions(certDer, 'old root').find((e) => e.oid === OID.subjectKeyIdentifier);
  if (ext) {
    const t = expectTag(readTlv(ext.value, 0, ext.value.length, 'old root SKI'), Tag.OCTET_STRING, 'old root', 'subjectKeyIdentifier');
    return contentOf(ext.value, t);
  }
  return subjectKeyId(certFields(certDer).spki);
}

/**
 * Cross-sign `newRootDer` with the old root's key. The result has the new
 * root's serial, subject, validity, extensions, SKI and key; issuer = the old
 * root's subject; signed by `oldKey`. As Go's x509.CreateCertificate does,
 * it carries an AKI (= the old root's SKI) only when issuer DN != subject DN:
 * with SwarmKit's default roots both are CN=swarm-ca, so it has none (spec 2.4).
 */
export function crossSignRoot(newRootDer: Buffer, oldRootDer: Buffer, oldKey: KeyObject): Buffer {
  const oldRoot = new X509Certificate(oldRootDer);
  if (!oldRoot.checkPrivateKey(oldKey)) {
    throw new InputError('ERR_CA_KEY_MISMATCH', 'the old root key does not match the old root certificate; it cannot cross-sign');
  }
  const n = tbsParts(newRootDer, 'new root');
  const signer = makeSigner(oldRootDer, oldKey);
  const sameDn = signer.subjectDer.equals(n.subject);
  // Any AKI of the new root is dropped: it would point at the new key, not at the key that signs here.
  const exts: Buffer[] = [];
  for (const e of n.extensions) {
    if (e.oid === OID.authorityKeyIdentifier) continue;
    exts.push(e.der);
    if (e.oid === OID.subjectKeyIdentifier && !sameDn) exts.push(akiOf(declaredSki(oldRootDer)));
  }
  if (!sameDn && !n.extensions.some((e) => e.oid === OID.subjectKeyIdentifier)) exts.push(akiOf(declaredSki(oldRootDer)));
  const tbs = seq(n.version, n.serial, signer.algorithmDer, signer.subjectDer, n.validity, n.subject, n.spki, ...n.uniqueIds, explicit(3, seq(...exts)));
  const signature = cryptoSign(signer.hash, tbs, oldKey);
  return seq(tbs, signer.algorithmDer, tlv(Tag.BIT_STRING, Buffer.from([0]), signature));
}

function akiOf(ski: Buffer): Buffer {
  return extension(OID.authorityKeyIdentifier, false, seq(implicitPrim(0, ski)));
}

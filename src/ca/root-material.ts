/**
 * CA material shared by init and rotation: a new SwarmKit-style root, and
 * the checks of swarmkit spec 2.3 for an imported root or intermediate.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';
import { certFields } from '../core/certfields.js';
import { children, contentOf, decodeOid, readTlv } from '../core/der.js';
import { assertStrongKey, generateP256, loadPrivateKey, spkiDer } from '../core/keys.js';
import { SIGNATURE_ALGORITHMS } from '../core/oids.js';
import { derObjects } from '../core/pem.js';
import { issueCertificate, selfSigner } from './issue.js';
import { loadProfiles } from './profiles.js';

export interface ImportedMaterial {
  /** PEM or DER of the certificate (exactly one). */
  cert: Uint8Array;
  /** PEM or DER private key; optional for an imported root used only to verify. */
  key?: Uint8Array;
  /** Passphrase of the imported key file, when it is encrypted. */
  keyPassphrase?: Uint8Array;
}

/** A new root exactly like SwarmKit's (spec 2.1), from the root-ca profile. */
export async function generateSwarmRoot(now: Date): Promise<{ certDer: Buffer; key: KeyObject }> {
  const profile = (await loadProfiles()).get('root-ca');
  if (!profile) throw new InputError('ERR_PROFILE_INVALID', 'the root-ca certificate profile is missing from certs/; reinstall swarmguard');
  const pair = generateP256();
  const spki = spkiDer(pair.publicKey);
  const issued = issueCertificate(selfSigner(pair.privateKey, [['CN', defaults.ca.rootCommonName]], spki), { profile, spki }, now);
  return { certDer: issued.der, key: pair.privateKey };
}

export function checkCertReadable(der: Buffer, what: string): X509Certificate {
  try {
    certFields(der, what);
    return new X509Certificate(der);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('ERR_CA_IMPORT', `${what} is not a readable X.509 certificate`, { cause: e });
  }
}

/** Spec 2.3: one cert, valid ≥ 1 year, CA, SHA-2 RSA/ECDSA signature, key matching and strong. */
export function checkCaMaterial(
  m: ImportedMaterial,
  now: Date,
  what: string,
  needKey: boolean,
  selfSigned = false,
): { certDer: Buffer; key: KeyObject | undefined } {
  const ders = derObjects(m.cert, ['CERTIFICATE'], `${what} certificate`);
  if (ders.length !== 1) throw new InputError('ERR_CA_IMPORT', `the ${what} certificate file holds ${ders.length} certificates; it must hold exactly one`);
  const certDer = ders[0]!;
  const cert = checkCertReadable(certDer, `${what} certificate`);
  if (!cert.ca) throw new InputError('ERR_CA_IMPORT', `the ${what} certificate is not a CA (basicConstraints CA:TRUE missing)`);
  if (selfSigned && (cert.issuer !== cert.subject || !cert.verify(cert.publicKey))) {
    throw new InputError('ERR_CA_IMPORT', `the ${what} is not self-signed; use a root certificate (or import an intermediate with its root bundle)`);
  }
  const sigOid = signatureOid(certDer);
  if (!SIGNATURE_ALGORITHMS[sigOid]) {
    throw new InputError('ERR_CA_IMPORT', `the ${what} certificate is signed with ${sigOid}; SwarmKit accepts only RSA or ECDSA with SHA-256/384/512`);
  }
  assertStrongKey(cert.publicKey, `${what} certificate key`);
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() - now.getTime() < defaults.ca.minRootRemainingMs) {
    throw new InputError('ERR_CA_IMPORT', `the ${what} certificate expires ${validTo.toISOString()}, less than a year from now; SwarmKit refuses it (spec 2.3)`);
  }
  if (new Date(cert.validFrom).getTime() > now.getTime()) {
    throw new InputError('ERR_CA_IMPORT', `the ${what} certificate is not valid until ${new Date(cert.validFrom).toISOString()}; check the clocks`);
  }
  let key: KeyObject | undefined;
  if (m.key) {
    key = loadPrivateKey(m.key, m.keyPassphrase, `the ${what} key`);
    if (!cert.checkPrivateKey(key)) throw new InputError('ERR_CA_KEY_MISMATCH', `the ${what} key does not match the ${what} certificate`);
    assertStrongKey(createPublicKey(key), `${what} key`);
  } else if (needKey) {
    throw new InputError('ERR_CA_IMPORT', `the ${what} needs its private key: pass --import-key FILE`);
  }
  return { certDer, key };
}

export function signatureOid(certDer: Buffer): string {
  const f = certFields(certDer);
  const alg = readTlv(f.signatureAlgorithmDer, 0);
  const [oidT] = children(f.signatureAlgorithmDer, alg);
  return decodeOid(contentOf(f.signatureAlgorithmDer, oidT!));
}

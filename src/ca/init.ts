/**
 * `initCa`: create the cluster CA: a new SwarmKit-style root, an imported
 * root (checks of swarmkit spec 2.3), or an intermediate under an enterprise root.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError } from '../errors.js';
import type { Clock } from '../core/clock.js';
import { certFields } from '../core/certfields.js';
import { decodeOid, readTlv, children, contentOf } from '../core/der.js';
import { newSwarmId } from '../core/ids.js';
import { assertStrongKey, encryptPrivateKey, generateP256, loadPrivateKey, spkiDer, subjectKeyId } from '../core/keys.js';
import { SIGNATURE_ALGORITHMS } from '../core/oids.js';
import { derObjects, toPem } from '../core/pem.js';
import type { StateStore } from '../store/state-store.js';
import { issueCertificate, selfSigner } from './issue.js';
import { loadProfiles } from './profiles.js';
import { keyStoreKey, readCaState, writeCaState, type CaMode, type CaState } from './state.js';

export interface ImportedMaterial {
  /** PEM or DER of the certificate (exactly one). */
  cert: Uint8Array;
  /** PEM or DER private key; optional for an imported root used only to verify. */
  key?: Uint8Array;
  /** Passphrase of the imported key file, when it is encrypted. */
  keyPassphrase?: Uint8Array;
}

export interface InitCaOptions {
  /** Passphrase that encrypts the CA key at rest. */
  passphrase: Uint8Array;
  clusterId?: string;
  importRoot?: ImportedMaterial;
  intermediate?: ImportedMaterial & { roots: Uint8Array };
}

export interface InitCaResult {
  state: CaState;
  created: boolean;
}

const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function initCa(store: StateStore, opts: InitCaOptions, clock: Clock): Promise<InitCaResult> {
  if (opts.clusterId !== undefined && !CLUSTER_ID.test(opts.clusterId)) {
    throw new InputError('ERR_CA_CLUSTER_ID', `cluster ID ${JSON.stringify(opts.clusterId)} is invalid; use letters, digits, '.', '_' or '-' (up to 64)`);
  }
  if (opts.passphrase.length < 8) {
    throw new InputError('ERR_CA_PASSPHRASE_WEAK', 'the CA passphrase is shorter than 8 bytes; choose a longer one');
  }
  return store.withLock(async () => {
    if (await readCaState(store)) {
      throw new InputError('ERR_CA_EXISTS', `a CA already exists in ${store.location}; use swarmguard ca status, or ca rotate to replace its root`);
    }
    const now = clock.now();
    let mode: CaMode;
    let certDer: Buffer;
    let key: KeyObject | undefined;
    let trustRootPem: string;
    let chainPems: string[] = [];
    if (opts.intermediate) {
      mode = 'intermediate';
      ({ certDer, key } = checkCaMaterial(opts.intermediate, now, 'intermediate', true));
      const roots = derObjects(opts.intermediate.roots, ['CERTIFICATE'], 'enterprise root bundle').map((d) => checkCertReadable(d, 'enterprise root'));
      const inter = new X509Certificate(certDer);
      const parent = roots.find((r) => r.subject === inter.issuer && inter.verify(r.publicKey));
      if (!parent) {
        throw new InputError('ERR_CA_CHAIN', 'the intermediate certificate is not signed by any certificate in the root bundle; pass the root that issued it');
      }
      trustRootPem = roots.map((r) => toPem('CERTIFICATE', r.raw)).join('');
      chainPems = [toPem('CERTIFICATE', certDer)];
    } else if (opts.importRoot) {
      mode = 'imported-root';
      ({ certDer, key } = checkCaMaterial(opts.importRoot, now, 'root', false));
      const root = new X509Certificate(certDer);
      if (!root.verify(root.publicKey)) throw new InputError('ERR_CA_IMPORT', 'the imported root is not self-signed; import it as an intermediate with its root bundle');
      trustRootPem = toPem('CERTIFICATE', certDer);
    } else {
      mode = 'root';
      const profiles = await loadProfiles();
      const pair = generateP256();
      key = pair.privateKey;
      const spki = spkiDer(pair.publicKey);
      const rootProfile = profiles.get('root-ca')!;
      const issued = issueCertificate(selfSigner(key, [['CN', defaults.ca.rootCommonName]], spki), { profile: rootProfile, spki }, now);
      certDer = issued.der;
      trustRootPem = toPem('CERTIFICATE', certDer);
    }
    let keyRef: string | undefined;
    if (key) {
      keyRef = keyStoreKey(subjectKeyId(certFields(certDer).spki).toString('hex'));
      await store.write(keyRef, encryptPrivateKey(key, opts.passphrase));
    }
    const state: CaState = {
      format: 1,
      clusterId: opts.clusterId ?? newSwarmId(),
      mode,
      createdAt: now.toISOString(),
      trustRootPem,
      signer: { certPem: toPem('CERTIFICATE', certDer), ...(keyRef ? { keyRef } : {}), chainPems },
      retiredRoots: [],
      crlNumber: 0,
    };
    await writeCaState(store, state);
    return { state, created: true };
  });
}

function checkCertReadable(der: Buffer, what: string): X509Certificate {
  try {
    certFields(der, what);
    return new X509Certificate(der);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('ERR_CA_IMPORT', `${what} is not a readable X.509 certificate`, { cause: e });
  }
}

/** Spec 2.3: one cert, valid ≥ 1 year, CA, SHA-2 RSA/ECDSA signature, key matching and strong. */
function checkCaMaterial(m: ImportedMaterial, now: Date, what: string, needKey: boolean): { certDer: Buffer; key: KeyObject | undefined } {
  const ders = derObjects(m.cert, ['CERTIFICATE'], `${what} certificate`);
  if (ders.length !== 1) throw new InputError('ERR_CA_IMPORT', `the ${what} certificate file holds ${ders.length} certificates; it must hold exactly one`);
  const certDer = ders[0]!;
  const cert = checkCertReadable(certDer, `${what} certificate`);
  if (!cert.ca) throw new InputError('ERR_CA_IMPORT', `the ${what} certificate is not a CA (basicConstraints CA:TRUE missing)`);
  const sigOid = sigAlgOid(certDer);
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

function sigAlgOid(certDer: Buffer): string {
  const f = certFields(certDer);
  const alg = readTlv(f.signatureAlgorithmDer, 0);
  const [oidT] = children(f.signatureAlgorithmDer, alg);
  return decodeOid(contentOf(f.signatureAlgorithmDer, oidT!));
}

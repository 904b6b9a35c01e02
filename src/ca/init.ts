/**
 * `initCa`: create the cluster CA: a new SwarmKit-style root, an imported
 * root (checks of swarmkit spec 2.3), or an intermediate under an enterprise root.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.js';
import type { Clock } from '../core/clock.js';
import { certFields } from '../core/certfields.js';
import { newSwarmId } from '../core/ids.js';
import { encryptPrivateKey, subjectKeyId } from '../core/keys.js';
import { derObjects, toPem } from '../core/pem.js';
import type { StateStore } from '../store/state-store.js';
import { checkCaMaterial, checkCertReadable, generateSwarmRoot, type ImportedMaterial } from './root-material.js';
import { keyStoreKey, readCaState, writeCaState, type CaMode, type CaState } from './state.js';

export type { ImportedMaterial };

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
      ({ certDer, key } = checkCaMaterial(opts.importRoot, now, 'root', false, true));
      trustRootPem = toPem('CERTIFICATE', certDer);
    } else {
      mode = 'root';
      ({ certDer, key } = await generateSwarmRoot(now));
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

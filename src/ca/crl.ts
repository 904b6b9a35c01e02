/**
 * `signCrl`: an X.509 v2 CRL of everything revoked, signed by the current
 * signer (issuer = its subject, AKI, CRL number). Not a hot path, so it goes
 * through @peculiar/x509 with the WebCrypto form of the CA key.
 */
import 'reflect-metadata';
import { webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Clock } from '../core/clock.js';
import { smallInt } from '../core/der.js';
import { keyInfo } from '../core/keys.js';
import { parsePem, toPem } from '../core/pem.js';
import { CRL_PARSE_OPTIONS } from '../core/x509/crl.js';
import { defaults } from '../defaults.js';
import { RuntimeError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import type { Signer } from './issue.js';
import { REVOCATION_REASONS, type RevocationReason } from './revoke.js';
import { readRevocationDoc } from './revocation-list.js';
import { requireCaState, writeCaState } from './state.js';

export const CRL_KEY = 'ca/crl.pem';

export interface SignedCrl {
  pem: string;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
}

async function webKey(key: KeyObject): Promise<{ key: webcrypto.CryptoKey; alg: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams }> {
  const info = keyInfo(key);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  if (info.type === 'ec') {
    const hash = info.curve === 'P-384' ? 'SHA-384' : info.curve === 'P-521' ? 'SHA-512' : 'SHA-256';
    const k = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: info.curve! }, false, ['sign']);
    return { key: k, alg: { name: 'ECDSA', hash } };
  }
  const k = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  return { key: k, alg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
}

/** Sign a new CRL with the next CRL number and store it at ca/crl.pem. */
export async function signCrl(store: StateStore, signer: Signer, clock: Clock): Promise<SignedCrl> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return store.withLock(async () => {
    const state = await requireCaState(store);
    const doc = await readRevocationDoc(store);
    const now = clock.now();
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + defaults.ca.crlValidityMs);
    const number = state.crlNumber + 1;
    const { key, alg } = await webKey(signer.key);
    const crl = await x509.X509CrlGenerator.create({
      issuer: new x509.Name(signer.subjectDer),
      thisUpdate,
      nextUpdate,
      signingAlgorithm: alg as never,
      signingKey: key as never,
      extensions: [new x509.AuthorityKeyIdentifierExtension(signer.ski.toString('hex')), new x509.Extension('2.5.29.20', false, smallInt(number))],
      entries: doc.entries.map((e) => ({
        serialNumber: e.serial,
        revocationDate: new Date(e.revokedAt),
        reason: REVOCATION_REASONS[e.reason as RevocationReason] ?? 0,
      })),
    });
    const pem = toPem('X509 CRL', Buffer.from(crl.rawData));
    // The number is spent before the CRL is published: a crash in between skips
    // a number (harmless) instead of reusing one for different contents (RFC 5280 5.2.3).
    await writeCaState(store, { ...state, crlNumber: number });
    await store.write(CRL_KEY, pem);
    return { pem, number, thisUpdate, nextUpdate, entries: doc.entries.length };
  });
}

/** The stored CRL and its update times, or undefined. */
export async function readCrl(store: StateStore): Promise<{ pem: string; thisUpdate: Date; nextUpdate: Date | undefined } | undefined> {
  const raw = await store.read(CRL_KEY);
  if (!raw) return undefined;
  try {
    const der = parsePem(raw, 'stored CRL').find((b) => b.type === 'X509 CRL');
    if (!der) throw new Error('no CRL block');
    const crl = new x509.X509Crl(der.der, CRL_PARSE_OPTIONS);
    return { pem: raw.toString('utf8'), thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
  } catch (e) {
    throw new RuntimeError('ERR_CA_STATE_CORRUPT', `${store.location}/${CRL_KEY} is damaged; run swarmguard ca crl --refresh to sign a new one`, { cause: e });
  }
}

/** True when a CRL should be re-signed: missing, or past half its validity. */
export function crlStale(crl: { thisUpdate: Date; nextUpdate: Date | undefined } | undefined, now: Date): boolean {
  if (!crl || !crl.nextUpdate) return true;
  const half = crl.thisUpdate.getTime() + (crl.nextUpdate.getTime() - crl.thisUpdate.getTime()) / 2;
  return now.getTime() >= half;
}

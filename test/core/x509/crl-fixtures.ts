/**
 * A small PKI for CRL tests, built with @peculiar/x509: root -> intermediate
 * -> leaves, and CRLs from X509CrlGenerator with any of the oddities the
 * validator must handle (stale, wrong signer, critical extensions, delta).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
export const NOT_AFTER = new Date('2036-01-01T00:00:00Z');
/** The verification time of the tests; CRLs are issued just before it. */
export const AT = new Date('2026-06-01T00:00:00Z');
export const THIS_UPDATE = new Date('2026-05-30T00:00:00Z');
export const NEXT_UPDATE = new Date('2026-06-06T00:00:00Z');

export type Keys = webcrypto.CryptoKeyPair;

export async function keyPair(): Promise<Keys> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as Keys;
}

export interface CertSpec {
  serial: string;
  subject: string;
  issuer: string;
  keys: Keys;
  signer: Keys;
  ca: boolean;
  /** Default for CAs keyCertSign|cRLSign; for leaves digitalSignature. */
  keyUsage?: number;
}

export async function makeCert(s: CertSpec): Promise<x509.X509Certificate> {
  const ku = s.keyUsage ?? (s.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature);
  return x509.X509CertificateGenerator.create({
    serialNumber: s.serial,
    subject: s.subject,
    issuer: s.issuer,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALG,
    publicKey: s.keys.publicKey,
    signingKey: s.signer.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(ku, true),
      ...(s.ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : []),
      await x509.SubjectKeyIdentifierExtension.create(s.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(s.signer.publicKey),
    ],
  });
}

export interface Pki {
  rootKeys: Keys;
  interKeys: Keys;
  root: x509.X509Certificate;
  inter: x509.X509Certificate;
  /** Two leaves of the intermediate: serials 1001 and 1002. */
  leaf: x509.X509Certificate;
  other: x509.X509Certificate;
}

export const ROOT_NAME = 'CN=CRL Test Root, O=swarmguard tests';
export const INTER_NAME = 'CN=CRL Test Intermediate, O=swarmguard tests';

export async function makePki(opts: { interKeyUsage?: number } = {}): Promise<Pki> {
  const rootKeys = await keyPair();
  const interKeys = await keyPair();
  const root = await makeCert({ serial: '01', subject: ROOT_NAME, issuer: ROOT_NAME, keys: rootKeys, signer: rootKeys, ca: true });
  const inter = await makeCert({ serial: '0100', subject: INTER_NAME, issuer: ROOT_NAME, keys: interKeys, signer: rootKeys, ca: true, ...(opts.interKeyUsage !== undefined ? { keyUsage: opts.interKeyUsage } : {}) });
  const leaf = await makeCert({ serial: '1001', subject: 'CN=leaf.test', issuer: INTER_NAME, keys: await keyPair(), signer: interKeys, ca: false });
  const other = await makeCert({ serial: '1002', subject: 'CN=other.test', issuer: INTER_NAME, keys: await keyPair(), signer: interKeys, ca: false });
  return { rootKeys, interKeys, root, inter, leaf, other };
}

export interface CrlSpec {
  issuer: string;
  signer: Keys;
  revoked?: Array<{ serial: string; reason?: x509.X509CrlReason; extensions?: x509.Extension[] }>;
  thisUpdate?: Date;
  /** null: no nextUpdate field. */
  nextUpdate?: Date | null;
  extensions?: x509.Extension[];
  number?: number;
}

export async function makeCrl(s: CrlSpec): Promise<x509.X509Crl> {
  const number = s.number ?? 1;
  return x509.X509CrlGenerator.create({
    issuer: s.issuer,
    thisUpdate: s.thisUpdate ?? THIS_UPDATE,
    ...(s.nextUpdate === null ? {} : { nextUpdate: s.nextUpdate ?? NEXT_UPDATE }),
    signingAlgorithm: ALG,
    signingKey: s.signer.privateKey,
    extensions: [new x509.Extension('2.5.29.20', false, Buffer.from([0x02, 0x01, number])), ...(s.extensions ?? [])],
    entries: (s.revoked ?? []).map((e) => ({
      serialNumber: e.serial,
      revocationDate: new Date('2026-05-20T12:00:00Z'),
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.extensions ? { extensions: e.extensions } : {}),
    })),
  });
}

export const der = (x: { rawData: ArrayBuffer }): Buffer => Buffer.from(x.rawData);

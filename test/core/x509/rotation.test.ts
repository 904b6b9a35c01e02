/**
 * SwarmKit root rotation (spec 2.4, 4.2, 4.4) as phase fixtures: before,
 * cross-signed, switched, old root retired. The cross-signed intermediate
 * has subject == issuer == CN=swarm-ca, no AKI, and is signed by the OLD
 * root key: OpenSSL and Node's tls treat it as self-signed and reject
 * [leaf][cross-signed] against the old root; we must accept it.
 */
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parseCertificate } from '../../../src/core/x509/parse.js';
import { verifyChain } from '../../../src/core/x509/verify.js';
import { describeCertificate, isSelfSigned } from '../../../src/core/x509/inspect.js';

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NOT_BEFORE = new Date('2026-11-28T14:47:00Z');
const NOT_AFTER = new Date(NOT_BEFORE.getTime() + 630_720_000 * 1000);
const AT = new Date('2026-12-01T00:00:00Z');

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function rootExtensions(pub: webcrypto.CryptoKey): Promise<x509.Extension[]> {
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.BasicConstraintsExtension(true, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(pub),
  ];
}

/** A root as cfssl initca makes it (spec 2.1): CN=swarm-ca, no AKI. */
async function makeRoot(keys: webcrypto.CryptoKeyPair, serial: string): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: 'CN=swarm-ca',
    issuer: 'CN=swarm-ca',
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: await rootExtensions(keys.publicKey),
  });
}

/** spec 2.4: the new root as a template (serial, names, validity, extensions, key), signed by the old root key, no AKI. */
async function crossSign(newKeys: webcrypto.CryptoKeyPair, newSerial: string, oldKeys: webcrypto.CryptoKeyPair): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: newSerial,
    subject: 'CN=swarm-ca',
    issuer: 'CN=swarm-ca',
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALG,
    publicKey: newKeys.publicKey,
    signingKey: oldKeys.privateKey,
    extensions: await rootExtensions(newKeys.publicKey),
  });
}

/** spec 2.2: node certificate with AKI = the signing root's SKI. */
async function makeLeaf(issuerKeys: webcrypto.CryptoKeyPair, nodeId: string): Promise<x509.X509Certificate> {
  const keys = await keyPair();
  return x509.X509CertificateGenerator.create({
    serialNumber: '0a' + nodeId.length.toString(16).padStart(2, '0'),
    subject: `O=clusterid0123456789abcdef, OU=swarm-manager, CN=${nodeId}`,
    issuer: 'CN=swarm-ca',
    notBefore: new Date('2026-11-28T13:57:00Z'),
    notAfter: new Date('2027-02-26T14:57:00Z'),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuerKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerKeys.publicKey),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'swarm-manager' },
        { type: 'dns', value: nodeId },
        { type: 'dns', value: 'swarm-ca' },
      ]),
    ],
  });
}

const der = (c: x509.X509Certificate): Buffer => Buffer.from(c.rawData);

async function fixtures() {
  const oldKeys = await keyPair();
  const newKeys = await keyPair();
  const oldRoot = await makeRoot(oldKeys, '11');
  const newRoot = await makeRoot(newKeys, '22');
  const cross = await crossSign(newKeys, '22', oldKeys);
  const oldLeaf = await makeLeaf(oldKeys, 'ymexksi6wa6vo90xmt95y0kmd');
  const newLeaf = await makeLeaf(newKeys, 'ymexksi6wa6vo90xmt95y0kme');
  return { oldRoot: der(oldRoot), newRoot: der(newRoot), cross: der(cross), oldLeaf: der(oldLeaf), newLeaf: der(newLeaf) };
}

const f = fixtures();

test('the cross-signed intermediate looks like the spec says: subject == issuer, no AKI, not self-signed', async () => {
  const { cross, oldRoot } = await f;
  const c = parseCertificate(cross);
  assert.equal(c.subject.text, 'CN=swarm-ca');
  assert.equal(c.issuer.text, 'CN=swarm-ca');
  assert.equal(c.ext.authorityKeyId, undefined);
  assert.equal(isSelfSigned(c), false);
  const d = describeCertificate(c);
  assert.equal(d.selfIssued, true);
  assert.equal(d.selfSigned, false);
  // Node agrees on the signature: the cross-signed cert verifies under the old root's key, not its own.
  const n = new NodeX509(cross);
  assert.equal(n.verify(new NodeX509(oldRoot).publicKey), true);
  assert.equal(n.verify(n.publicKey), false);
});

test('phase 1, before: old leaf against the old root', async () => {
  const { oldLeaf, oldRoot } = await f;
  const r = verifyChain({ leaf: oldLeaf, roots: [oldRoot], at: AT, purpose: 'server', host: 'swarm-manager' });
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
});

test('phase 2, cross-signed: [new leaf][cross-signed] verifies against the OLD root only', async () => {
  const { newLeaf, cross, oldRoot, oldLeaf } = await f;
  const r = verifyChain({ leaf: newLeaf, intermediates: [cross], roots: [oldRoot], at: AT, purpose: 'client' });
  assert.equal(r.ok, true, r.ok ? '' : `${r.code}: ${r.reason}`);
  if (!r.ok) return;
  assert.equal(r.chain.length, 3);
  assert.deepEqual(r.chain[1]!.der, cross);
  assert.deepEqual(r.chain[2]!.der, oldRoot);
  // Nodes still on the old leaf keep working during the rotation.
  assert.equal(verifyChain({ leaf: oldLeaf, roots: [oldRoot], at: AT }).ok, true);
  // Without the cross-signed certificate the new leaf does not chain to the old root.
  const without = verifyChain({ leaf: newLeaf, roots: [oldRoot], at: AT });
  assert.equal(without.ok, false);
  if (!without.ok) assert.equal(without.code, 'ERR_X509_BAD_SIGNATURE');
});

test('phase 3, switched: the same [leaf][cross-signed] file verifies against the new root, or both roots', async () => {
  const { newLeaf, cross, oldRoot, newRoot } = await f;
  const r = verifyChain({ leaf: newLeaf, intermediates: [cross], roots: [newRoot], at: AT });
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.chain.length, 2);
  assert.equal(verifyChain({ leaf: newLeaf, intermediates: [cross], roots: [oldRoot, newRoot], at: AT }).ok, true);
  // The cross-signed certificate is the new root's subject and key: as an anchor it is the new root.
  assert.equal(verifyChain({ leaf: newLeaf, roots: [cross], at: AT }).ok, true);
});

test('phase 4, old root retired: an old leaf no longer verifies', async () => {
  const { oldLeaf, newRoot, cross } = await f;
  const r = verifyChain({ leaf: oldLeaf, intermediates: [cross], roots: [newRoot], at: AT });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, 'ERR_X509_BAD_SIGNATURE');
});

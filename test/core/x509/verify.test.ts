import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerificationError } from '../../../src/errors.js';
import { parseCertificate } from '../../../src/core/x509/parse.js';
import { assertChain, verifyChain, type VerifyOptions, type VerifyResult } from '../../../src/core/x509/verify.js';
import { buildPath, DEFAULT_LIMITS } from '../../../src/core/x509/path-builder.js';
import {
  EKU_ANY,
  EKU_CLIENT,
  EKU_SERVER,
  KU,
  T0,
  caExts,
  ecKey,
  edKey,
  ext,
  keyId,
  leafExts,
  makeCert,
  pki,
  rsaKey,
  type TestKey,
} from './fixtures.js';

function verify(o: Partial<VerifyOptions> & Pick<VerifyOptions, 'leaf' | 'roots'>): VerifyResult {
  return verifyChain({ at: T0, ...o });
}

function assertFails(r: VerifyResult, code: string, reason?: RegExp): void {
  assert.equal(r.ok, false, 'expected the chain to be rejected');
  if (r.ok) return;
  assert.equal(r.code, code, r.reason);
  if (reason) assert.match(r.reason, reason);
}

function assertOk(r: VerifyResult, length?: number): void {
  assert.equal(r.ok, true, r.ok ? '' : `${r.code}: ${r.reason}`);
  if (r.ok && length !== undefined) assert.equal(r.chain.length, length);
}

/** root -> inter -> leaf with per-test overrides of the leaf or intermediate. */
function chain(leafExtensions?: (k: TestKey, issuer: TestKey) => Buffer[], interExtensions?: (k: TestKey, issuer: TestKey) => Buffer[]) {
  const p = pki({
    ...(leafExtensions ? { leafExtensions: leafExtensions(ecKey(2), ecKey(1)) } : {}),
    ...(interExtensions ? { interExtensions: interExtensions(ecKey(1), ecKey(0)) } : {}),
  });
  return { ...p, opts: { leaf: p.leaf, intermediates: [p.inter], roots: [p.root] } };
}

test('valid_chain: leaf -> intermediate -> root, chain returned leaf first', () => {
  const { opts } = chain();
  const r = verify({ ...opts, purpose: 'server', host: 'node.example.com' });
  assertOk(r, 3);
  if (r.ok) assert.deepEqual(r.chain.map((c) => c.subject.text), ['CN=node', 'CN=Test Intermediate', 'CN=Test Root']);
  // parsed inputs work as well as DER
  assertOk(verify({ leaf: parseCertificate(opts.leaf), intermediates: opts.intermediates.map((c) => parseCertificate(c)), roots: opts.roots.map((c) => parseCertificate(c)) }), 3);
});

test('validity: expired and not-yet-valid leaf and intermediate', () => {
  const { opts } = chain();
  assertFails(verify({ ...opts, at: new Date('2031-01-01T00:00:00Z') }), 'ERR_X509_EXPIRED', /leaf/);
  assertFails(verify({ ...opts, at: new Date('2024-01-01T00:00:00Z') }), 'ERR_X509_NOT_YET_VALID', /leaf/);
  const p = pki({ interSpec: { notAfter: new Date('2025-06-01T00:00:00Z') } });
  assertFails(verify({ leaf: p.leaf, intermediates: [p.inter], roots: [p.root] }), 'ERR_X509_EXPIRED', /intermediate/);
  const q = pki({ interSpec: { notBefore: new Date('2026-06-01T00:00:00Z') } });
  assertFails(verify({ leaf: q.leaf, intermediates: [q.inter], roots: [q.root] }), 'ERR_X509_NOT_YET_VALID', /intermediate/);
});

test('unknown issuer: missing intermediate, unrelated root', () => {
  const { opts, root } = chain();
  assertFails(verify({ leaf: opts.leaf, roots: [root] }), 'ERR_X509_UNKNOWN_ISSUER', /Test Intermediate/);
  const otherRoot = makeCert({ subject: 'Other Root', key: ecKey(5), extensions: caExts(ecKey(5)) });
  assertFails(verify({ ...opts, roots: [otherRoot] }), 'ERR_X509_UNKNOWN_ISSUER');
});

test('bad signature: same issuer name, different key', () => {
  const { opts } = chain();
  const impostor = makeCert({ subject: 'Test Root', key: ecKey(6), extensions: caExts(ecKey(6)) });
  assertFails(verify({ ...opts, roots: [impostor] }), 'ERR_X509_BAD_SIGNATURE', /does not verify/);
  // Leaf whose signature bytes are altered.
  const leaf = Buffer.from(opts.leaf);
  leaf[leaf.length - 5]! ^= 0x01;
  assertFails(verify({ ...opts, leaf }), 'ERR_X509_BAD_SIGNATURE');
});

test('not a CA: basicConstraints cA false or absent on the intermediate', () => {
  assertFails(verify(chain(undefined, (k, i) => [ext.ku([KU.keyCertSign]), ext.basic(false), ext.ski(keyId(k)), ext.aki(keyId(i))]).opts), 'ERR_X509_NOT_CA', /cA is false/);
  assertFails(verify(chain(undefined, (k, i) => [ext.ku([KU.keyCertSign]), ext.ski(keyId(k)), ext.aki(keyId(i))]).opts), 'ERR_X509_NOT_CA', /no basicConstraints/);
});

test('pathLen: 0 on the top intermediate forbids a second intermediate; self-issued ones do not count', () => {
  const root = makeCert({ subject: 'R', key: ecKey(0), extensions: caExts(ecKey(0)) });
  const i1 = makeCert({ subject: 'I1', issuer: 'R', key: ecKey(1), signer: ecKey(0), extensions: caExts(ecKey(1), ecKey(0), 0) });
  const i2 = makeCert({ subject: 'I2', issuer: 'I1', key: ecKey(2), signer: ecKey(1), extensions: caExts(ecKey(2), ecKey(1)) });
  const leaf = makeCert({ subject: 'leaf', issuer: 'I2', key: ecKey(3), signer: ecKey(2), extensions: leafExts(ecKey(3), ecKey(2)) });
  assertFails(verify({ leaf, intermediates: [i1, i2], roots: [root] }), 'ERR_X509_PATH_LEN', /allows 0/);
  // I1 (pathLen 0) -> I1' (self-issued: same name, new key) -> leaf is fine.
  const i1b = makeCert({ subject: 'I1', issuer: 'I1', key: ecKey(4), signer: ecKey(1), extensions: caExts(ecKey(4), ecKey(1)) });
  const leaf2 = makeCert({ subject: 'leaf', issuer: 'I1', key: ecKey(3), signer: ecKey(4), extensions: leafExts(ecKey(3), ecKey(4)) });
  assertOk(verify({ leaf: leaf2, intermediates: [i1, i1b], roots: [root] }), 4);
});

test('key usage: intermediate without keyCertSign, leaf without a TLS usage', () => {
  assertFails(verify(chain(undefined, (k, i) => [ext.ku([KU.digitalSignature]), ext.basic(true), ext.ski(keyId(k)), ext.aki(keyId(i))]).opts), 'ERR_X509_KEY_USAGE', /keyCertSign/);
  const onlyCrl = chain((k, i) => [ext.ku([KU.cRLSign]), ext.eku([EKU_SERVER]), ext.aki(keyId(i)), ext.san({ dns: ['a.example'] })]).opts;
  assertFails(verify({ ...onlyCrl, purpose: 'server' }), 'ERR_X509_KEY_USAGE', /leaf/);
  // keyAgreement or keyEncipherment alone is enough, as webpki allows
  assertOk(verify({ ...chain((k, i) => [ext.ku([KU.keyAgreement]), ext.aki(keyId(i))]).opts, purpose: 'server' }));
  assertOk(verify({ ...chain((k, i) => [ext.ku([KU.keyEncipherment]), ext.aki(keyId(i))]).opts, purpose: 'client' }));
  // with purpose any, key usage of the leaf is not checked
  assertOk(verify(onlyCrl));
});

test('extended key usage: leaf and intermediate; missing EKU means any; anyExtendedKeyUsage accepted', () => {
  const clientOnly = chain((k, i) => [ext.eku([EKU_CLIENT]), ext.aki(keyId(i))]).opts;
  assertFails(verify({ ...clientOnly, purpose: 'server' }), 'ERR_X509_EKU', /leaf.*serverAuth/);
  assertOk(verify({ ...clientOnly, purpose: 'client' }));
  assertOk(verify({ ...clientOnly, purpose: 'any' }));
  assertOk(verify({ ...chain((k, i) => [ext.aki(keyId(i))]).opts, purpose: 'server' }));
  assertOk(verify({ ...chain((k, i) => [ext.eku([EKU_ANY]), ext.aki(keyId(i))]).opts, purpose: 'server' }));
  const interClient = chain(undefined, (k, i) => [...caExts(k, i), ext.eku([EKU_CLIENT])]).opts;
  assertFails(verify({ ...interClient, purpose: 'server' }), 'ERR_X509_EKU', /intermediate/);
  assertOk(verify({ ...interClient, purpose: 'client' }));
});

test('name constraints: permitted and excluded DNS and IP subtrees apply to SANs', () => {
  const ip = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
  const withLeaf = (names: { dns?: string[]; ip?: Buffer[] }, nc: Parameters<typeof ext.nc>[0]) =>
    verify(chain((k, i) => [ext.aki(keyId(i)), ext.san(names)], (k, i) => [...caExts(k, i), ext.nc(nc)]).opts);
  assertOk(withLeaf({ dns: ['a.swarm.internal'] }, { permitted: { dns: ['swarm.internal'] } }));
  assertFails(withLeaf({ dns: ['a.evil.com'] }, { permitted: { dns: ['swarm.internal'] } }), 'ERR_X509_NAME_CONSTRAINTS', /not within the permitted/);
  assertFails(withLeaf({ dns: ['swarm.internal.evil.com'] }, { permitted: { dns: ['swarm.internal'] } }), 'ERR_X509_NAME_CONSTRAINTS');
  assertFails(withLeaf({ dns: ['x.bad.swarm.internal'] }, { permitted: { dns: ['swarm.internal'] }, excluded: { dns: ['bad.swarm.internal'] } }), 'ERR_X509_NAME_CONSTRAINTS', /excluded/);
  assertFails(withLeaf({ dns: ['*.swarm.internal'] }, { excluded: { dns: ['bad.swarm.internal'] } }), 'ERR_X509_NAME_CONSTRAINTS', /excluded/);
  const net10 = Buffer.concat([ip('10.0.0.0'), ip('255.0.0.0')]);
  assertOk(withLeaf({ ip: [ip('10.1.2.3')] }, { permitted: { ip: [net10] } }));
  assertFails(withLeaf({ ip: [ip('192.168.1.1')] }, { permitted: { ip: [net10] } }), 'ERR_X509_NAME_CONSTRAINTS');
  assertFails(withLeaf({ ip: [ip('10.9.9.9')] }, { excluded: { ip: [net10] } }), 'ERR_X509_NAME_CONSTRAINTS');
  // a DNS-only constraint says nothing about IP names
  assertOk(withLeaf({ ip: [ip('192.168.1.1')] }, { permitted: { dns: ['swarm.internal'] } }));
  // constraints on the trust anchor apply too (webpki)
  const rootKey = ecKey(0);
  const root = makeCert({ subject: 'Test Root', key: rootKey, extensions: [...caExts(rootKey), ext.nc({ permitted: { dns: ['swarm.internal'] } })] });
  const { inter, leaf } = pki();
  assertFails(verify({ leaf, intermediates: [inter], roots: [root] }), 'ERR_X509_NAME_CONSTRAINTS');
});

test('host: DNS with one leftmost wildcard label, IP exact, no CN fallback', () => {
  const ip = Buffer.from([192, 0, 2, 7]);
  const ip6 = Buffer.alloc(16);
  ip6[15] = 1;
  const o = chain((k, i) => [ext.aki(keyId(i)), ext.san({ dns: ['*.swarm.example', 'exact.example'], ip: [ip, ip6] })]).opts;
  assertOk(verify({ ...o, host: 'node1.swarm.example' }));
  assertOk(verify({ ...o, host: 'EXACT.example.' }));
  assertOk(verify({ ...o, host: '192.0.2.7' }));
  assertOk(verify({ ...o, host: '::1' }));
  assertOk(verify({ ...o, host: '[::1]' }));
  assertFails(verify({ ...o, host: 'a.b.swarm.example' }), 'ERR_X509_HOST_MISMATCH');
  assertFails(verify({ ...o, host: 'swarm.example' }), 'ERR_X509_HOST_MISMATCH');
  assertFails(verify({ ...o, host: '192.0.2.8' }), 'ERR_X509_HOST_MISMATCH');
  assertFails(verify({ ...o, host: 'not a host!' }), 'ERR_X509_HOST_MISMATCH', /neither/);
  // CN=node is not a SAN: no fallback
  assertFails(verify({ ...o, host: 'node' }), 'ERR_X509_HOST_MISMATCH');
  const wildTld = chain((k, i) => [ext.aki(keyId(i)), ext.san({ dns: ['*.example'] })]).opts;
  assertFails(verify({ ...wildTld, host: 'a.example' }), 'ERR_X509_HOST_MISMATCH');
});

test('unknown critical extension on leaf or intermediate; non-critical is ignored', () => {
  const crit = ext.raw('1.2.3.4.5', true, Buffer.from([0x05, 0x00]));
  assertFails(verify(chain((k, i) => [...leafExts(k, i), crit]).opts), 'ERR_X509_UNKNOWN_CRITICAL_EXT', /leaf.*1\.2\.3\.4\.5/);
  assertFails(verify(chain(undefined, (k, i) => [...caExts(k, i), crit]).opts), 'ERR_X509_UNKNOWN_CRITICAL_EXT', /intermediate/);
  assertOk(verify(chain((k, i) => [...leafExts(k, i), ext.raw('1.2.3.4.5', false, Buffer.from([0x05, 0x00]))]).opts));
  // policyConstraints is parsed but not enforced, so it may not be critical (webpki)
  const pc = ext.raw('2.5.29.36', true, Buffer.from([0x30, 0x03, 0x80, 0x01, 0x00]));
  assertFails(verify(chain(undefined, (k, i) => [...caExts(k, i), pc]).opts), 'ERR_X509_UNKNOWN_CRITICAL_EXT', /policyConstraints/);
});

function twoLevel(rootKey: TestKey, leafKey: TestKey, sig?: 'sha1' | 'pss') {
  const root = makeCert({ subject: 'Root', key: rootKey, extensions: caExts(rootKey) });
  const leaf = makeCert({ subject: 'leaf', issuer: 'Root', key: leafKey, signer: rootKey, extensions: leafExts(leafKey, rootKey), ...(sig ? { sig } : {}) });
  return { leaf, roots: [root] };
}

test('weak keys: RSA below 2048 bits (leaf or issuer), curves other than P-256/384/521', () => {
  assertFails(verify(twoLevel(ecKey(0), rsaKey(0, 1024))), 'ERR_X509_WEAK_KEY', /1024 bits/);
  assertFails(verify(twoLevel(rsaKey(0, 1024), ecKey(1))), 'ERR_X509_WEAK_KEY', /issuer/);
  assertFails(verify(twoLevel(ecKey(0), ecKey(0, 'secp256k1'))), 'ERR_X509_WEAK_KEY', /secp256k1/);
  assertFails(verify(twoLevel(ecKey(0, 'secp256k1'), ecKey(1))), 'ERR_X509_WEAK_KEY');
});

test('weak signatures: SHA-1 RSA and ECDSA are refused', () => {
  assertFails(verify(twoLevel(rsaKey(0), ecKey(1), 'sha1')), 'ERR_X509_WEAK_SIGNATURE', /sha1WithRSAEncryption/);
  assertFails(verify(twoLevel(ecKey(0), ecKey(1), 'sha1')), 'ERR_X509_WEAK_SIGNATURE', /ecdsa-with-SHA1/);
});

test('algorithms: P-384, P-521, RSA PKCS#1 v1.5, RSA-PSS and Ed25519 verify', () => {
  assertOk(verify(twoLevel(ecKey(0, 'P-384'), ecKey(1))), 2);
  assertOk(verify(twoLevel(ecKey(0, 'P-521'), ecKey(1))), 2);
  assertOk(verify(twoLevel(rsaKey(0), ecKey(1))), 2);
  assertOk(verify(twoLevel(rsaKey(0), ecKey(1), 'pss')), 2);
  assertOk(verify(twoLevel(edKey(0), ecKey(1))), 2);
  assertOk(verify(twoLevel(ecKey(0), edKey(1))), 2);
});

test('revocation: isRevoked is asked for every certificate below the anchor', () => {
  const { opts } = chain();
  const asked: string[] = [];
  assertOk(verify({ ...opts, isRevoked: (c) => (asked.push(c.subject.text), false) }));
  assert.deepEqual(asked, ['CN=node', 'CN=Test Intermediate']);
  assertFails(verify({ ...opts, isRevoked: (c) => c.subject.text === 'CN=Test Intermediate' }), 'ERR_X509_REVOKED', /Test Intermediate/);
});

test('trust anchors match by subject and key, not bytes; AKI preferred but not required', () => {
  const { opts, rootKey } = chain();
  // The same root key and name, re-issued with another serial and validity (even expired: anchors carry no validity).
  const reissued = makeCert({ subject: 'Test Root', key: rootKey, serial: 99, notAfter: new Date('2025-02-01T00:00:00Z'), extensions: caExts(rootKey) });
  assertOk(verify({ ...opts, roots: [reissued] }), 3);
  // A leaf whose AKI names another key still verifies when the signature does.
  const wrongAki = chain((k) => [ext.aki(Buffer.from('not-the-issuer')), ext.san({ dns: ['x.example'] })]).opts;
  assertOk(verify(wrongAki), 3);
});

test('path building tries further candidates and ignores loops', () => {
  const rootKey = ecKey(0);
  const root = makeCert({ subject: 'R', key: rootKey, extensions: caExts(rootKey) });
  // Two intermediates named I: one expired (tried first: its SKI matches), one valid.
  const expired = makeCert({ subject: 'I', issuer: 'R', key: ecKey(1), signer: rootKey, notAfter: new Date('2025-06-01T00:00:00Z'), extensions: caExts(ecKey(1), rootKey) });
  const good = makeCert({ subject: 'I', issuer: 'R', key: ecKey(1), signer: rootKey, serial: 2, extensions: caExts(ecKey(1), rootKey) });
  const leaf = makeCert({ subject: 'leaf', issuer: 'I', key: ecKey(2), signer: ecKey(1), extensions: leafExts(ecKey(2), ecKey(1)) });
  assertOk(verify({ leaf, intermediates: [expired, good], roots: [root] }), 3);
  const r = verify({ leaf, intermediates: [expired], roots: [root] });
  assertFails(r, 'ERR_X509_EXPIRED');
  // A and B cross-sign each other and nothing leads to a root: terminates with the issuer unknown.
  const a = makeCert({ subject: 'A', issuer: 'B', key: ecKey(3), signer: ecKey(4), extensions: caExts(ecKey(3)) });
  const b = makeCert({ subject: 'B', issuer: 'A', key: ecKey(4), signer: ecKey(3), extensions: caExts(ecKey(4)) });
  const leafA = makeCert({ subject: 'leaf', issuer: 'A', key: ecKey(2), signer: ecKey(3), extensions: leafExts(ecKey(2), ecKey(3)) });
  const loop = verify({ leaf: leafA, intermediates: [a, b], roots: [root] });
  assertFails(loop, 'ERR_X509_UNKNOWN_ISSUER');
  assert.ok(!loop.ok && loop.chainAttempts.length > 0);
});

test('budget: many same-named candidates are bounded; chains longer than the limit are refused', () => {
  const rootKey = ecKey(0);
  const root = makeCert({ subject: 'R', key: rootKey, extensions: caExts(rootKey) });
  // 60 intermediates all named "I", none signed the leaf's actual issuer key correctly, each issued by another "I".
  const keys = Array.from({ length: 6 }, (_, i) => ecKey(10 + i));
  const inters = keys.flatMap((k, i) => keys.map((s, j) => makeCert({ subject: 'I', issuer: 'I', key: k, signer: s, serial: i * 10 + j + 1, extensions: caExts(k) })));
  const leaf = makeCert({ subject: 'leaf', issuer: 'I', key: ecKey(2), signer: keys[0]!, extensions: leafExts(ecKey(2), keys[0]!) });
  const t0 = performance.now();
  const r = buildPath({ leaf, intermediates: inters, roots: [root], at: T0 }, undefined, { ...DEFAULT_LIMITS, maxPathBuildingSteps: 300 });
  assertFails(r, 'ERR_X509_BUDGET_EXCEEDED');
  assert.ok(performance.now() - t0 < 10_000, 'hang guard');
  // default limits: still bounded
  const r2 = verify({ leaf, intermediates: inters, roots: [root] });
  assert.equal(r2.ok, false);

  // A straight chain of 12 CAs exceeds maxChainLength (10).
  const ks = Array.from({ length: 12 }, (_, i) => ecKey(20 + i));
  const top = makeCert({ subject: 'C0', key: ks[0]!, extensions: caExts(ks[0]!) });
  const mids = ks.slice(1).map((k, i) => makeCert({ subject: `C${i + 1}`, issuer: `C${i}`, key: k, signer: ks[i]!, extensions: caExts(k) }));
  const deepLeaf = makeCert({ subject: 'leaf', issuer: 'C11', key: ecKey(2), signer: ks[11]!, extensions: leafExts(ecKey(2), ks[11]!) });
  assertFails(verify({ leaf: deepLeaf, intermediates: mids, roots: [top] }), 'ERR_X509_CHAIN_TOO_LONG');
});

test('assertChain throws VerificationError with the code; misuse is a TypeError', () => {
  const { opts } = chain();
  assert.equal(assertChain({ ...opts, at: T0 }).length, 3);
  assert.throws(
    () => assertChain({ ...opts, at: new Date('2040-01-01T00:00:00Z') }),
    (e: unknown) => e instanceof VerificationError && e.code === 'ERR_X509_EXPIRED' && e.exitCode === 1,
  );
  assert.throws(() => verifyChain({ ...opts, at: new Date('nope') }), TypeError);
  assert.throws(() => verifyChain({ ...opts, at: T0, purpose: 'email' as never }), TypeError);
});

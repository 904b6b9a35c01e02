import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate as NodeX509, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { issueCertificate, makeSigner, selfSigner, roundToMinute, ipv6Bytes } from '../../src/ca/issue.js';
import { loadProfiles, validateProfile } from '../../src/ca/profiles.js';
import { generateP256, spkiDer } from '../../src/core/keys.js';
import { hasTool, interopRequired, tempDir } from '../helpers/env.js';

const profiles = await loadProfiles();
const NOW = new Date('2026-11-28T14:57:20Z');
const CLUSTER = 'abcdefghij0123456789klmno';
const NODE = 'ymexksi6wa6vo90xmt95y0kmd';

function makeRoot(now = NOW) {
  const k = generateP256();
  const spki = spkiDer(k.publicKey);
  const root = issueCertificate(selfSigner(k.privateKey, [['CN', 'swarm-ca']], spki), { profile: profiles.get('root-ca')!, spki }, now);
  return { root, key: k, signer: makeSigner(root.der, k.privateKey) };
}

function extOrder(der: Buffer): string[] {
  return [...new x509.X509Certificate(der).extensions].map((e) => e.type);
}

test('root is SwarmKit\'s (spec 2.1): CN=swarm-ca DER, 20 years, backdated 5 min, KU/BC critical, SKI, no AKI', () => {
  const { root } = makeRoot();
  const c = new x509.X509Certificate(root.der);
  // exact subject DER from the spec
  assert.equal(Buffer.from(c.subjectName.toArrayBuffer()).toString('hex'), '30133111300f06035504031308737761726d2d6361');
  assert.equal(c.notBefore.toISOString(), '2026-11-28T14:52:00.000Z');
  assert.equal(c.notAfter.getTime() - c.notBefore.getTime(), 630_720_000_000);
  assert.deepEqual(extOrder(root.der), ['2.5.29.15', '2.5.29.19', '2.5.29.14']);
  const ku = c.getExtension(x509.KeyUsagesExtension)!;
  assert.equal(ku.critical, true);
  assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  const bc = c.getExtension(x509.BasicConstraintsExtension)!;
  assert.equal(bc.critical, true);
  assert.equal(bc.ca, true);
  assert.equal(bc.pathLength, undefined);
  // SKI = SHA-1 of the 65-byte point
  const point = spkiDer(new NodeX509(root.der).publicKey).subarray(-65);
  assert.equal(c.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, createHash('sha1').update(point).digest('hex'));
  assert.ok(new NodeX509(root.der).verify(new NodeX509(root.der).publicKey));
  // serial: 20 bytes max, positive
  assert.ok(c.serialNumber.length <= 40);
  assert.ok(Number.parseInt(c.serialNumber.slice(0, 1), 16) < 8);
});

test('node certs match spec 2.2 for both roles: subject order, SANs, extensions in order, validity', () => {
  const { signer, root } = makeRoot();
  for (const role of ['manager', 'worker'] as const) {
    const key = generateP256();
    const leaf = issueCertificate(signer, { profile: profiles.get(`node-${role}`)!, spki: spkiDer(key.publicKey), vars: { clusterId: CLUSTER, nodeId: NODE } }, NOW);
    const c = new x509.X509Certificate(leaf.der);
    assert.equal(c.subject, `O=${CLUSTER}, OU=swarm-${role}, CN=${NODE}`);
    assert.equal(c.issuer, 'CN=swarm-ca');
    assert.deepEqual(extOrder(leaf.der), ['2.5.29.15', '2.5.29.37', '2.5.29.19', '2.5.29.14', '2.5.29.35', '2.5.29.17']);
    const san = c.getExtension(x509.SubjectAlternativeNameExtension)!;
    assert.deepEqual(san.names.items.map((n) => n.value), role === 'manager' ? ['swarm-manager', NODE, 'swarm-ca'] : ['swarm-worker', NODE]);
    assert.equal(c.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.deepEqual([...c.getExtension(x509.ExtendedKeyUsageExtension)!.usages], ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(c.getExtension(x509.BasicConstraintsExtension)!.ca, false);
    assert.equal(c.getExtension(x509.BasicConstraintsExtension)!.critical, true);
    assert.equal(c.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId, new x509.X509Certificate(root.der).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    // issued 14:57:20 → rounded 14:57 → NotBefore 13:57, NotAfter 14:57 + 2160 h (spec 2.2)
    assert.equal(c.notBefore.toISOString(), '2026-11-28T13:57:00.000Z');
    assert.equal(c.notAfter.toISOString(), '2027-02-26T14:57:00.000Z');
    assert.ok(new NodeX509(leaf.der).verify(new NodeX509(root.der).publicKey));
    // the library re-encodes it to the same bytes: our DER is canonical
    assert.deepEqual(Buffer.from(c.rawData), leaf.der);
  }
});

test('client and server profiles take subject and hosts from the request, IPv4 and IPv6 SANs', () => {
  const { signer } = makeRoot();
  const key = generateP256();
  const s = issueCertificate(signer, { profile: profiles.get('server')!, spki: spkiDer(key.publicKey), subject: [['O', 'ops'], ['CN', 'api']], hosts: ['api.internal', '127.0.0.1', '::1', '*.svc.local'] }, NOW);
  const c = new x509.X509Certificate(s.der);
  assert.equal(c.subject, 'O=ops, CN=api');
  assert.deepEqual(c.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => `${n.type}:${n.value}`), ['dns:api.internal', 'ip:127.0.0.1', 'ip:::1', 'dns:*.svc.local']);
  assert.deepEqual([...c.getExtension(x509.ExtendedKeyUsageExtension)!.usages], ['1.3.6.1.5.5.7.3.1']);
  assert.throws(() => issueCertificate(signer, { profile: profiles.get('server')!, spki: spkiDer(key.publicKey), subject: [['CN', 'api']] }, NOW), { code: 'ERR_CA_REQUEST_INVALID' });
  assert.throws(() => issueCertificate(signer, { profile: profiles.get('client')!, spki: spkiDer(key.publicKey), subject: [['O', 'x']] }, NOW), { code: 'ERR_CA_REQUEST_INVALID', message: /needs subject CN/ });
  assert.throws(() => issueCertificate(signer, { profile: profiles.get('server')!, spki: spkiDer(key.publicKey), subject: [['CN', 'a']], hosts: ['bad host!'] }, NOW), { code: 'ERR_CA_REQUEST_INVALID' });
  assert.deepEqual(ipv6Bytes('2001:db8::1').toString('hex'), '20010db8000000000000000000000001');
  assert.deepEqual(ipv6Bytes('::ffff:10.1.2.3').toString('hex'), '00000000000000000000ffff0a010203');
});

test('node profiles refuse missing or malformed IDs and expiries under 1 h', () => {
  const { signer } = makeRoot();
  const spki = spkiDer(generateP256().publicKey);
  const profile = profiles.get('node-worker')!;
  assert.throws(() => issueCertificate(signer, { profile, spki, vars: { clusterId: CLUSTER } }, NOW), { code: 'ERR_CA_REQUEST_INVALID', message: /nodeId/ });
  assert.throws(() => issueCertificate(signer, { profile, spki, vars: { clusterId: CLUSTER, nodeId: 'a,b=c' } }, NOW), { code: 'ERR_CA_REQUEST_INVALID' });
  assert.throws(() => issueCertificate(signer, { profile, spki, vars: { clusterId: CLUSTER, nodeId: NODE }, expiryMs: 59 * 60_000 }, NOW), { code: 'ERR_CA_EXPIRY_TOO_SHORT' });
  const one = issueCertificate(signer, { profile, spki, vars: { clusterId: CLUSTER, nodeId: NODE }, expiryMs: 3_600_000 }, NOW);
  assert.equal(one.notAfter.toISOString(), '2026-11-28T15:57:00.000Z');
});

test('rounding to the minute follows Go (halves round up)', () => {
  assert.equal(roundToMinute(new Date('2026-01-01T00:00:29.999Z')).toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(roundToMinute(new Date('2026-01-01T00:00:30.000Z')).toISOString(), '2026-01-01T00:01:00.000Z');
});

test('dates from 2050 on are GeneralizedTime and read back identically', () => {
  const { signer } = makeRoot();
  const spki = spkiDer(generateP256().publicKey);
  const leaf = issueCertificate(signer, { profile: profiles.get('node-worker')!, spki, vars: { clusterId: CLUSTER, nodeId: NODE }, expiryMs: 30 * 365 * 86_400_000 }, NOW);
  const c = new x509.X509Certificate(leaf.der);
  assert.equal(c.notAfter.toISOString(), leaf.notAfter.toISOString());
  assert.ok(leaf.notAfter.getUTCFullYear() >= 2050);
  assert.equal(new Date(new NodeX509(leaf.der).validTo).toISOString(), leaf.notAfter.toISOString());
});

test('a profile with bad fields reports every one of them', async () => {
  await assert.rejects(
    validateProfile({ name: 'Bad Name', description: '', subject: 'whatever', sans: 3, keyUsage: { critical: 'yes', usages: ['fly'] }, basicConstraints: {}, validity: { expiry: 'ten', backdate: '1h' } }, 'bad.json'),
    (e: Error & { code: string; details: { fields: string[] } }) => {
      assert.equal(e.code, 'ERR_PROFILE_INVALID');
      assert.ok(e.details.fields.length >= 6, e.message);
      for (const f of ['/name', '/description', '/keyUsage/critical', '/keyUsage/usages/0', '/basicConstraints', '/validity/expiry']) assert.match(e.message, new RegExp(f.replace(/\//g, '\\/')));
      return true;
    },
  );
});

test('openssl reads every profile as @peculiar/x509 does, and verifies the chain', (t) => {
  if (!hasTool('openssl')) {
    if (interopRequired) assert.fail('openssl is required (SWARMGUARD_INTEROP=required) but not installed');
    return t.skip('openssl not installed');
  }
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const { signer, root } = makeRoot(new Date());
  writeFileSync(path.join(dir, 'root.pem'), root.chainPem);
  for (const name of ['node-manager', 'node-worker', 'client', 'server']) {
    const spki = spkiDer(generateP256().publicKey);
    const leaf = issueCertificate(signer, { profile: profiles.get(name)!, spki, vars: { clusterId: CLUSTER, nodeId: NODE }, subject: [['O', 'ops'], ['CN', 'svc']], hosts: ['svc.local', '10.0.0.1'] }, new Date());
    const f = path.join(dir, `${name}.pem`);
    writeFileSync(f, leaf.chainPem);
    const v = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'root.pem'), f], { encoding: 'utf8' });
    assert.equal(v.status, 0, `${name}: ${v.stdout}${v.stderr}`);
    const text = spawnSync('openssl', ['x509', '-in', f, '-noout', '-text', '-nameopt', 'RFC2253'], { encoding: 'utf8' }).stdout;
    const c = new x509.X509Certificate(leaf.der);
    assert.match(text, new RegExp(`Serial Number:\\s+${c.serialNumber.match(/../g)!.join(':')}`, 'i'), name);
    const subjectLine = /Subject: (.*)/.exec(text)![1]!;
    // RFC 2253 prints the last RDN first
    assert.equal(subjectLine, c.subject.split(', ').reverse().join(','), name);
    const sans = c.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => (n.type === 'ip' ? `IP Address:${n.value}` : `DNS:${n.value}`));
    assert.match(text, new RegExp(sans.join(', ').replace(/\./g, '\\.')), name);
    assert.match(text, /Key Usage: critical/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
  }
});

/**
 * The sign API over real HTTPS on loopback: happy paths (manager, worker,
 * cross-sign, an intermediate CA's chain), every refusal with its cfssl code,
 * client-certificate policy at the TLS layer and above it, and what openssl
 * and cfssl read in the certificates issued (spec 2.2).
 */
import 'reflect-metadata';
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { parseEnvelope } from '../../../src/ca/cfssl/envelope.js';
import { serveCfssl, type RunningCfssl } from '../../../src/ca/cfssl/serve.js';
import { startCfsslServer } from '../../../src/ca/cfssl/server.js';
import { CfsslSigner } from '../../../src/ca/cfssl/sign.js';
import { readIssued } from '../../../src/ca/state.js';
import { systemClock } from '../../../src/core/clock.js';
import { OID } from '../../../src/core/oids.js';
import { makeCsr } from '../../helpers/csr.js';
import { hasTool, interopRequired } from '../../helpers/env.js';
import { CLUSTER, NODE, makeCa, nodeIdentity, post, swarmkitRequest, type Reply, type TestCa } from './fixtures.js';

let t0: TestCa;
let running: RunningCfssl;
let manager: { certPem: string; keyPem: string };
let worker: { certPem: string; keyPem: string };
let otherCa: TestCa;

before(async () => {
  t0 = await makeCa();
  otherCa = await makeCa();
  manager = await nodeIdentity(t0.ca, 'manager', 'mgr-client');
  worker = await nodeIdentity(t0.ca, 'worker', 'wrk-client');
  running = await serveCfssl(t0.ca, {
    host: '127.0.0.1',
    port: 0,
    clock: systemClock,
    clientCa: Buffer.from(t0.rootPem + otherCa.rootPem),
    requireManager: true,
    clusterId: CLUSTER,
    allowCrossSign: true,
  });
});
after(async () => {
  await running?.stop();
  await t0?.cleanup();
  await otherCa?.cleanup();
});

const send = (body: unknown, o: Parameters<typeof post>[2] = {}): Promise<Reply> =>
  post(running.server.url, body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body), { ca: t0.rootPem, client: manager, ...o });

function envelopeOf(r: Reply) {
  const env = parseEnvelope(r.text);
  assert.ok(env, `not a cfssl envelope: ${r.text.slice(0, 200)}`);
  return env;
}

function refusedWith(r: Reply, status: number, code: number, message?: RegExp, name = ''): void {
  const env = envelopeOf(r);
  assert.equal(r.status, status, `${name} ${r.text}`);
  assert.equal(env.success, false);
  assert.equal(env.result, null);
  assert.equal(env.errors[0]!.code, code, `${name} ${r.text}`);
  if (message) assert.match(env.errors[0]!.message, message, name);
  assert.match(String(r.headers['content-type']), /application\/json/);
}

function certsOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? []).map((b) => new X509Certificate(b));
}

test('a SwarmKit manager request gets a node certificate: the leaf only (a root CA has no chain), recorded, §2.2 profile', async () => {
  const csr = makeCsr();
  const r = await send(swarmkitRequest(csr.pem));
  assert.equal(r.status, 200, r.text);
  const env = envelopeOf(r);
  assert.equal(env.success, true);
  assert.deepEqual(env.errors, []);
  assert.deepEqual(env.messages, []);
  assert.match(r.text, /^\{"success":true,"result":\{"certificate":"-----BEGIN CERTIFICATE-----\\n/);
  const certs = certsOf(env.result!.certificate);
  assert.equal(certs.length, 1, 'the response is the leaf alone: SwarmKit appends its own intermediates (spec 5.3)');
  const leaf = certs[0]!;
  assert.equal(leaf.subject, `O=${CLUSTER}\nOU=swarm-manager\nCN=${NODE}`);
  assert.equal(leaf.subjectAltName, `DNS:swarm-manager, DNS:${NODE}, DNS:swarm-ca`);
  assert.ok(leaf.verify(new X509Certificate(t0.rootPem).publicKey));
  assert.ok(leaf.checkPrivateKey(csr.key.privateKey), 'the CSR key is certified');
  const p = new x509.X509Certificate(leaf.raw);
  assert.deepEqual([...p.extensions].map((e) => e.type), [OID.keyUsage, OID.extKeyUsage, OID.basicConstraints, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier, OID.subjectAltName]);
  const ku = p.getExtension(x509.KeyUsagesExtension)!;
  assert.equal(ku.critical, true);
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  assert.deepEqual([...p.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
  const bc = p.getExtension(x509.BasicConstraintsExtension)!;
  assert.equal(bc.critical, true);
  assert.equal(bc.ca, false);
  const rootSki = new x509.X509Certificate(t0.rootPem).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  assert.equal(p.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId, rootSki);
  // 90 days, NotBefore = rounded now − 1 h (spec 2.2)
  assert.equal(p.notAfter.getTime() - p.notBefore.getTime(), (2160 + 1) * 3_600_000);
  const rec = (await readIssued(t0.store)).find((x) => x.serial === leaf.serialNumber.toLowerCase().replace(/^(00)+/, ''));
  assert.ok(rec, 'the issuance is in ca/issued.jsonl');
  assert.equal(rec.via, 'cfssl-api');
  assert.equal(rec.clusterId, CLUSTER);
  assert.equal(rec.role, 'manager');
});

test('a worker request, on the alternative /sign path of swarmkit\'s example server', async () => {
  const r = await send(swarmkitRequest(makeCsr().pem, { role: 'worker', nodeId: 'w1' }), { path: '/sign?x=1' });
  assert.equal(r.status, 200, r.text);
  const leaf = certsOf(envelopeOf(r).result!.certificate)[0]!;
  assert.equal(leaf.subject, `O=${CLUSTER}\nOU=swarm-worker\nCN=w1`);
  assert.equal(leaf.subjectAltName, 'DNS:swarm-worker, DNS:w1');
});

test('profile "CA" cross-signs: the CSR subject and key as a CA under our root (spec 2.4, 5.2)', async () => {
  const csr = makeCsr({ subject: [[OID.commonName, 'swarm-ca']] });
  const r = await send({
    certificate_request: csr.pem,
    profile: 'CA',
    subject: { CN: 'swarm-ca', names: [] },
    extensions: [{ id: [2, 5, 29, 19], critical: true, value: '30030101ff' }],
  });
  assert.equal(r.status, 200, r.text);
  const [cross] = certsOf(envelopeOf(r).result!.certificate);
  assert.ok(cross);
  assert.equal(cross.subject, 'CN=swarm-ca');
  assert.equal(cross.ca, true);
  assert.ok(cross.verify(new X509Certificate(t0.rootPem).publicKey), 'signed by our root key');
  assert.ok(cross.checkPrivateKey(csr.key.privateKey));
  const p = new x509.X509Certificate(cross.raw);
  assert.equal(p.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  // Go leaves AKI out when issuer DN = subject DN (spec 2.4): both are CN=swarm-ca here
  assert.equal(p.getExtension(x509.AuthorityKeyIdentifierExtension), null);
});

test('every bad request is refused with a cfssl envelope and code; the server keeps serving', async () => {
  const good = swarmkitRequest(makeCsr().pem);
  const cases: Array<[string, unknown, number, number, RegExp?]> = [
    ['bad JSON', '{"certificate_request":', 400, 400, /Unable to parse sign request/],
    ['not an object', '[1,2]', 400, 400],
    ['missing CSR', { ...good, certificate_request: undefined }, 400, 400, /missing parameter 'certificate_request'/],
    ['CSR not PEM', { ...good, certificate_request: 'MIIBIjANBgkq' }, 400, 9002, /^CSR Decode failed/],
    ['CSR PEM garbage', { ...good, certificate_request: '-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n' }, 400, 9002],
    ['CSR DER garbage', { ...good, certificate_request: '-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n' }, 400, 9003, /^CSR Parsing failed/],
    ['bad CSR signature', { ...good, certificate_request: makeCsr({ tamper: true }).pem }, 400, 9300, /signature does not verify/],
    ['weak RSA key', { ...good, certificate_request: makeCsr({ spec: { rsa: 1024 } }).pem }, 400, 5300, /too weak/],
    ['curve not allowed', { ...good, certificate_request: makeCsr({ spec: { ec: 'secp256k1' } }).pem }, 400, 5300, /not allowed/],
    ['Ed25519 CSR', { ...good, certificate_request: makeCsr({ spec: { ed25519: true } }).pem }, 400, 9300],
    ['wrong hosts', { ...good, hosts: ['swarm-manager', NODE] }, 400, 5300, /hosts must be \["swarm-manager","ymexksi6wa6vo90xmt95y0kmd","swarm-ca"\]/],
    ['wrong OU', { ...good, subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'swarm-admin' }] } }, 400, 5300, /not a node role/],
    ['other cluster', swarmkitRequest(makeCsr().pem, { clusterId: 'someotherclusterid' }), 400, 5300, /not served here/],
    ['unknown profile', { ...good, profile: 'server' }, 400, 5400],
  ];
  for (const [name, body, status, code, msg] of cases) {
    refusedWith(await send(body), status, code, msg, name);
  }
  assert.equal((await send(good)).status, 200, 'still serving');
});

test('transport refusals: wrong method, wrong path, body too large, malformed HTTP, slow body', async () => {
  const get = await send(undefined, { method: 'GET' });
  refusedWith(get, 405, 405, /Method is not allowed: "GET"/);
  assert.equal(get.headers.allow, 'POST');
  refusedWith(await send('{}', { path: '/api/v1/cfssl/info' }), 404, 404, /POST sign requests to \/api\/v1\/cfssl\/sign or \/sign/);
  refusedWith(await send('{}', { method: 'PUT' }), 405, 405);
  // declared too large: refused before reading
  const big = Buffer.alloc(256 * 1024 + 1, 0x20);
  refusedWith(await send(big), 413, 413, /limit is 262144/);
  // too large without a length (chunked): refused once the cap is passed
  const chunked = await new Promise<Reply>((resolve, reject) => {
    void import('node:https').then(({ request }) => {
      const req = request(new URL('/api/v1/cfssl/sign', running.server.url), { method: 'POST', agent: false, ca: t0.rootPem, cert: manager.certPem, key: manager.keyPem }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }));
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(16 * 1024, 0x20));
      req.end();
    });
  });
  refusedWith(chunked, 413, 413);

  // malformed HTTP on a raw TLS socket still gets an envelope
  const { connect: tlsConnect } = await import('node:tls');
  const raw = await new Promise<string>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: running.server.port, ca: t0.rootPem, cert: manager.certPem, key: manager.keyPem }, () => s.write('BLAH / HTTP/9.9\r\n\r\n'));
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(parseEnvelope(raw.slice(raw.indexOf('\r\n\r\n') + 4)), raw);

  assert.equal((await send(swarmkitRequest(makeCsr().pem))).status, 200, 'still serving');
});

test('a body that does not arrive in time gets a 408 envelope (plain HTTP server, short timeout)', async () => {
  const signer = new CfsslSigner(t0.ca);
  const s = await startCfsslServer({ signer, host: '127.0.0.1', port: 0, requestTimeoutMs: 300 });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port: s.port }, () => sock.write('POST /api/v1/cfssl/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"cert'));
      let out = '';
      sock.on('data', (d: Buffer) => (out += d.toString()));
      sock.on('close', () => resolve(out));
      sock.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 408 /);
    assert.equal(parseEnvelope(reply.slice(reply.indexOf('\r\n\r\n') + 4))?.errors[0]?.code, 408);
  } finally {
    await s.close();
  }
});

test('client certificates: none, from an unknown CA, or a worker\'s are refused; a manager of another cluster too', async () => {
  // no certificate: refused in the TLS handshake, no HTTP response at all
  await assert.rejects(send(swarmkitRequest(makeCsr().pem), { client: undefined as never }), (e: NodeJS.ErrnoException) => {
    assert.match(`${e.code} ${e.message}`, /certificate required|ECONNRESET|alert|socket hang up/i);
    return true;
  });
  const stranger = await makeCa();
  try {
    const foreign = await nodeIdentity(stranger.ca, 'manager');
    await assert.rejects(send(swarmkitRequest(makeCsr().pem), { client: foreign }), (e: NodeJS.ErrnoException) => /unknown ca|ECONNRESET|alert|hang up/i.test(`${e.code} ${e.message}`));
  } finally {
    await stranger.cleanup();
  }
  // a trusted root (the second client root), but a worker: refused above TLS with an envelope
  refusedWith(await send(swarmkitRequest(makeCsr().pem), { client: worker }), 403, 403, /only for swarm managers/);
  const otherManager = await nodeIdentity(otherCa.ca, 'manager', 'm2', 'othercluster');
  refusedWith(await send(swarmkitRequest(makeCsr().pem), { client: otherManager }), 403, 403, /managers of cluster/);
  // a manager certificate from the second trusted root, of this cluster: accepted
  const second = await nodeIdentity(otherCa.ca, 'manager', 'm3', CLUSTER);
  assert.equal((await send(swarmkitRequest(makeCsr().pem), { client: second })).status, 200);
});

test('an intermediate CA returns the leaf followed by its own certificate, which a swarm trusting the enterprise root needs', async () => {
  // enterprise root = another CA; our intermediate = a "ca" profile certificate from it
  const corp = await makeCa();
  const interCsr = makeCsr({ subject: [[OID.commonName, 'swarm-intermediate']] });
  const inter = await corp.ca.issue({ csr: interCsr.der, profile: 'ca', via: 'test' });
  const mid = await makeCa({
    intermediate: { cert: Buffer.from(inter.chainPem), key: Buffer.from(interCsr.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), roots: Buffer.from(corp.rootPem) },
  });
  const s = await serveCfssl(mid.ca, { host: '127.0.0.1', port: 0, clock: systemClock });
  try {
    assert.equal(s.clientAuth, 'none');
    // the self-issued server certificate chains through the intermediate to the enterprise root
    const r = await post(s.server.url, JSON.stringify(swarmkitRequest(makeCsr().pem)), { ca: corp.rootPem });
    assert.equal(r.status, 200, r.text);
    const certs = certsOf(envelopeOf(r).result!.certificate);
    assert.equal(certs.length, 2);
    assert.equal(certs[1]!.subject, 'CN=swarm-intermediate');
    assert.ok(certs[0]!.verify(certs[1]!.publicKey));
    assert.ok(certs[1]!.verify(new X509Certificate(corp.rootPem).publicKey));
  } finally {
    await s.stop();
    await mid.cleanup();
    await corp.cleanup();
  }
});

const needTools = !hasTool('openssl') || !hasTool('cfssl', ['version']);
test('openssl x509 -text and cfssl certinfo read the issued node certificate as spec 2.2 says', { skip: needTools && !interopRequired ? 'openssl or cfssl not installed' : false }, async () => {
  const { opensslText, opensslVerify } = await import('../../interop/harness/openssl.js');
  const { cfsslCertinfo } = await import('../../interop/harness/cfssl.js');
  const r = await send(swarmkitRequest(makeCsr().pem));
  const pem = envelopeOf(r).result!.certificate;
  const text = await opensslText(pem);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(text, new RegExp(`Subject: O ?= ?${CLUSTER}, OU ?= ?swarm-manager, CN ?= ?${NODE}`));
  assert.match(text, /Issuer: CN ?= ?swarm-ca/);
  assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
  assert.match(text, /X509v3 Extended Key Usage: \s*\n\s+TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /X509v3 Subject Key Identifier/);
  assert.match(text, /X509v3 Authority Key Identifier/);
  assert.match(text, new RegExp(`DNS:swarm-manager, DNS:${NODE}, DNS:swarm-ca`));
  assert.match(text, /ASN1 OID: prime256v1/);
  const info = await cfsslCertinfo(pem);
  assert.equal(info.subject.organization, CLUSTER);
  assert.equal(info.subject.organizational_unit, 'swarm-manager');
  assert.equal(info.subject.common_name, NODE);
  assert.deepEqual(info.sans, ['swarm-manager', NODE, 'swarm-ca']);
  assert.equal(info.issuer.common_name, 'swarm-ca');
  assert.equal(info.sigalg, 'ECDSAWithSHA256');
  const rootInfo = await cfsslCertinfo(t0.rootPem);
  assert.equal(info.authority_key_id, rootInfo.subject_key_id);
  const caFile = path.join(t0.dir, 'root.pem');
  const leafFile = path.join(t0.dir, 'leaf.pem');
  writeFileSync(caFile, t0.rootPem);
  writeFileSync(leafFile, pem);
  for (const purpose of ['sslserver', 'sslclient']) {
    const v = await opensslVerify({ caFile, certFile: leafFile, purpose, strict: true });
    assert.ok(v.ok, v.output);
  }
});

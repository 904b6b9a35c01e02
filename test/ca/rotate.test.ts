/**
 * Root rotation as phase fixtures (smallstep's habit): before, cross-signed,
 * switched, retired. In each phase a node certificate is issued and checked
 * with openssl and node:crypto against what spec 4.2/4.4 says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { certificateExtensions, crossSignRoot } from '../../src/ca/cross-sign.js';
import { certsOf } from '../../src/ca/describe.js';
import { initCa } from '../../src/ca/init.js';
import { issueCertificate, makeSigner, selfSigner } from '../../src/ca/issue.js';
import { loadProfiles } from '../../src/ca/profiles.js';
import { renewCertificate } from '../../src/ca/renew.js';
import { rotateRoot, trustBundle } from '../../src/ca/rotate.js';
import { requireCaState, type CaState } from '../../src/ca/state.js';
import { caStatus } from '../../src/ca/status.js';
import { certFields } from '../../src/core/certfields.js';
import { fixedClock, type Clock } from '../../src/core/clock.js';
import { generateP256, spkiDer, subjectKeyId } from '../../src/core/keys.js';
import { OID } from '../../src/core/oids.js';
import { toPem } from '../../src/core/pem.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { hasTool, interopRequired, runCli, tempDir } from '../helpers/env.js';

const profiles = await loadProfiles();
const pass = Buffer.from('a long enough passphrase');
// Phases sit a few minutes apart around the real time, so that TLS handshakes (which read the real clock) see valid certificates.
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const at = (minutes: number): Clock => fixedClock(T0 + minutes * 60_000);
const haveOpenssl = hasTool('openssl');

type Ctx = { after: (f: () => void | Promise<void>) => void; skip: (m: string) => void };

function store(t: Ctx): FileStore {
  const { dir, cleanup } = tempDir();
  const s = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await s.close();
    cleanup();
  });
  return s;
}

function needOpenssl(t: Ctx): boolean {
  if (haveOpenssl) return true;
  if (interopRequired) assert.fail('openssl is required (SWARMGUARD_INTEROP=required) but not installed');
  t.skip('openssl not installed');
  return false;
}

const x509 = (der: Buffer): X509Certificate => new X509Certificate(der);
const pemsOf = (pem: string): X509Certificate[] => certsOf(pem).map(x509);

/** `openssl verify -CAfile <trusted> [-untrusted <chain>] <leaf>` at the fixture's time. */
function opensslVerify(dir: string, name: string, trustedPem: string, chainPem: string, when: number): { ok: boolean; out: string } {
  const certs = certsOf(chainPem);
  const write = (f: string, s: string): string => {
    const p = path.join(dir, `${name}-${f}`);
    writeFileSync(p, s);
    return p;
  };
  const ca = write('ca.pem', trustedPem);
  const leaf = write('leaf.pem', chainPem.slice(0, chainPem.indexOf('-----END CERTIFICATE-----') + 26));
  const args = ['verify', '-attime', String(Math.floor(when / 1000)), '-CAfile', ca];
  if (certs.length > 1) args.push('-untrusted', write('chain.pem', chainPem.slice(chainPem.indexOf('-----END CERTIFICATE-----') + 26)));
  args.push(leaf);
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

interface Leaf {
  chainPem: string;
  certs: X509Certificate[];
  key: KeyObject;
  serialHex: string;
}

interface Phase {
  state: CaState;
  leaf: Leaf;
  when: number;
}

async function issueLeaf(s: FileStore, minute: number, nodeId: string): Promise<Leaf> {
  const ca = await CertificateAuthority.open(s, { passphrase: pass, clock: at(minute) });
  const csr = makeCsr();
  const i = await ca.issue({ csr: csr.der, role: 'manager', nodeId, via: 'test' });
  return { chainPem: i.chainPem, certs: pemsOf(i.chainPem), key: csr.key.privateKey, serialHex: i.serialHex };
}

/** The four phases of one rotation, built once in one store. */
async function buildPhases(s: FileStore): Promise<Record<'before' | 'crossSigned' | 'switched' | 'retired', Phase>> {
  await initCa(s, { passphrase: pass, clusterId: 'c1' }, at(0));
  const before: Phase = { state: await requireCaState(s), leaf: await issueLeaf(s, 1, 'n-before'), when: T0 + 60_000 };
  const started = await rotateRoot(s, { step: 'start', passphrase: pass }, at(2));
  const crossSigned: Phase = { state: started.state, leaf: await issueLeaf(s, 3, 'n-cross'), when: T0 + 3 * 60_000 };
  // converge: the node from before renews onto the new root
  await renewCertificate(s, { cert: Buffer.from(before.leaf.chainPem), force: true }, { clock: at(4), passphrase: async () => pass });
  const switched0 = await rotateRoot(s, { step: 'switch' }, at(5));
  const switched: Phase = { state: switched0.state, leaf: await issueLeaf(s, 6, 'n-switched'), when: T0 + 6 * 60_000 };
  const finished = await rotateRoot(s, { step: 'finish' }, at(7));
  const retired: Phase = { state: finished.state, leaf: await issueLeaf(s, 8, 'n-retired'), when: T0 + 8 * 60_000 };
  return { before, crossSigned, switched, retired };
}

test('cross-sign (spec 2.4): the new root as template, issuer = old subject, old key signs, no AKI when DNs are equal', () => {
  const now = new Date(T0);
  const mkRoot = (cn: string) => {
    const key = generateP256();
    const spki = spkiDer(key.publicKey);
    return { key, der: issueCertificate(selfSigner(key.privateKey, [['CN', cn]], spki), { profile: { ...profiles.get('root-ca')!, subject: [['CN', cn]] }, spki }, now).der };
  };
  const oldRoot = mkRoot('swarm-ca');
  const newRoot = mkRoot('swarm-ca');
  const crossDer = crossSignRoot(newRoot.der, oldRoot.der, oldRoot.key.privateKey);
  const cross = x509(crossDer);
  const nr = x509(newRoot.der);
  const or = x509(oldRoot.der);
  assert.equal(cross.serialNumber, nr.serialNumber);
  assert.equal(cross.subject, nr.subject);
  assert.equal(cross.issuer, or.subject);
  assert.equal(cross.validFrom, nr.validFrom);
  assert.equal(cross.validTo, nr.validTo);
  assert.ok(certFields(crossDer).spki.equals(certFields(newRoot.der).spki));
  assert.deepEqual(
    certificateExtensions(crossDer).map((e) => e.der.toString('hex')),
    certificateExtensions(newRoot.der).map((e) => e.der.toString('hex')),
    'extensions (KU, BC, SKI) copied byte for byte',
  );
  assert.ok(!certificateExtensions(crossDer).some((e) => e.oid === OID.authorityKeyIdentifier), 'no AKI: issuer DN = subject DN');
  assert.ok(cross.verify(or.publicKey), 'verifies under the old key');
  assert.ok(!cross.verify(cross.publicKey), 'does not verify under its own key');
  assert.ok(cross.ca);
  if (haveOpenssl) {
    const text = spawnSync('openssl', ['x509', '-noout', '-text'], { input: cross.toString(), encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Issuer: CN ?= ?swarm-ca/);
    assert.match(text.stdout, /CA:TRUE/);
    assert.doesNotMatch(text.stdout, /Authority Key Identifier/);
  }

  // different DNs: Go adds AKI = the old root's SKI, right after the SKI
  const other = mkRoot('enterprise-root-2');
  const cross2 = crossSignRoot(other.der, oldRoot.der, oldRoot.key.privateKey);
  const exts = certificateExtensions(cross2);
  assert.deepEqual(
    exts.map((e) => e.oid),
    [OID.keyUsage, OID.basicConstraints, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier],
  );
  assert.ok(exts[3]!.value.includes(subjectKeyId(certFields(oldRoot.der).spki)));
  assert.equal(x509(cross2).issuer, 'CN=swarm-ca');
  assert.equal(x509(cross2).subject, 'CN=enterprise-root-2');
  assert.ok(x509(cross2).verify(or.publicKey));

  assert.throws(() => crossSignRoot(newRoot.der, oldRoot.der, newRoot.key.privateKey), { code: 'ERR_CA_KEY_MISMATCH' });
});

test('phase fixtures: before, cross-signed, switched, retired (spec 4.2, 4.4)', async (t) => {
  const s = store(t);
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const ph = await buildPhases(s);
  const oldRootPem = ph.before.state.trustRootPem;
  const newRootPem = ph.crossSigned.state.rotation!.newRoot.certPem;
  const oldRoot = pemsOf(oldRootPem)[0]!;
  const newRoot = pemsOf(newRootPem)[0]!;
  const cross = pemsOf(ph.crossSigned.state.rotation!.crossSignedPem)[0]!;
  const ossl = haveOpenssl;

  await t.test('before: leaf alone, signed by the old root, trusted by the old root', () => {
    const { state, leaf } = ph.before;
    assert.equal(leaf.certs.length, 1);
    assert.equal(trustBundle(state), oldRootPem);
    assert.ok(leaf.certs[0]!.verify(oldRoot.publicKey));
    if (ossl) assert.ok(opensslVerify(dir, 'before', oldRootPem, leaf.chainPem, ph.before.when).ok);
  });

  await t.test('cross-signed: [leaf by new key][cross-signed]; trust root still old; bundle old + new', () => {
    const { state, leaf, when } = ph.crossSigned;
    assert.equal(state.rotation!.stage, 'cross-signed');
    assert.equal(state.trustRootPem, oldRootPem, 'nodes still receive the old root (spec 4.2)');
    assert.equal(trustBundle(state), oldRootPem + newRootPem);
    assert.deepEqual(state.signer.chainPems, [state.rotation!.crossSignedPem]);
    assert.equal(leaf.certs.length, 2);
    assert.equal(leaf.certs[1]!.fingerprint256, cross.fingerprint256);
    // Go-style chain building, by hand: leaf → cross-signed → old root
    assert.ok(leaf.certs[0]!.verify(cross.publicKey));
    assert.ok(cross.verify(oldRoot.publicKey));
    assert.ok(!leaf.certs[0]!.verify(oldRoot.publicKey));
    if (!ossl) return;
    // Observed (OpenSSL 3.0): with only the old root trusted, openssl sees the same-DN, AKI-less
    // cross-signed cert as self-issued and stops there: error 19, "self-signed certificate in certificate chain" (spec 4.4).
    const oldOnly = opensslVerify(dir, 'cross-old', oldRootPem, leaf.chainPem, when);
    assert.equal(oldOnly.ok, false);
    assert.match(oldOnly.out, /error 19 at 1 depth lookup: self[- ]signed certificate in certificate chain/, oldOnly.out);
    assert.ok(opensslVerify(dir, 'cross-bundle', trustBundle(state), leaf.chainPem, when).ok, 'old + new trusted: accepted');
    assert.ok(opensslVerify(dir, 'cross-new', newRootPem, leaf.chainPem, when).ok, 'new root trusted: accepted');
    // the leaf of the previous phase still validates against the bundle
    assert.ok(opensslVerify(dir, 'cross-prev', trustBundle(state), ph.before.leaf.chainPem, when).ok);
  });

  await t.test('switched: trust root = new root; leaves keep the cross-signed cert; bundle still old + new', () => {
    const { state, leaf, when } = ph.switched;
    assert.equal(state.rotation!.stage, 'switched');
    assert.equal(state.trustRootPem, newRootPem);
    assert.equal(trustBundle(state), oldRootPem + newRootPem);
    assert.equal(leaf.certs.length, 2);
    assert.ok(leaf.certs[0]!.verify(newRoot.publicKey));
    assert.ok(leaf.certs[1]!.verify(oldRoot.publicKey));
    if (!ossl) return;
    assert.ok(opensslVerify(dir, 'sw-root', state.trustRootPem, leaf.chainPem, when).ok);
    assert.ok(opensslVerify(dir, 'sw-bundle', trustBundle(state), leaf.chainPem, when).ok);
    assert.equal(opensslVerify(dir, 'sw-old', oldRootPem, leaf.chainPem, when).ok, false, 'old-root-only openssl peers still reject it (spec 4.4)');
    // a certificate from before the rotation: only the bundle (old + new) accepts it
    assert.ok(opensslVerify(dir, 'sw-prev-bundle', trustBundle(state), ph.before.leaf.chainPem, when).ok);
    assert.equal(opensslVerify(dir, 'sw-prev-root', state.trustRootPem, ph.before.leaf.chainPem, when).ok, false);
  });

  await t.test('retired: rotation cleared, old root retired and its key deleted, leaves alone again', async () => {
    const { state, leaf, when } = ph.retired;
    assert.equal(state.rotation, undefined);
    assert.equal(state.mode, 'root');
    assert.equal(state.trustRootPem, newRootPem);
    assert.equal(trustBundle(state), newRootPem);
    assert.deepEqual(state.signer.chainPems, []);
    assert.equal(state.retiredRoots.length, 1);
    assert.equal(state.retiredRoots[0]!.certPem, oldRootPem);
    assert.equal(await s.read(ph.before.state.signer.keyRef!), undefined, 'old root key deleted');
    assert.ok(await s.read(state.signer.keyRef!), 'new root key kept');
    assert.equal(leaf.certs.length, 1);
    assert.ok(leaf.certs[0]!.verify(newRoot.publicKey));
    if (!ossl) return;
    assert.ok(opensslVerify(dir, 'ret-root', state.trustRootPem, leaf.chainPem, when).ok);
    // nodes keep [leaf][cross-signed] until their next renewal: still fine against the new root (spec 4.4)
    assert.ok(opensslVerify(dir, 'ret-cross', state.trustRootPem, ph.crossSigned.leaf.chainPem, when).ok);
    assert.equal(opensslVerify(dir, 'ret-prev', state.trustRootPem, ph.before.leaf.chainPem, when).ok, false, 'an old-root leaf no longer validates');
  });

  await t.test('node:tls during cross-signed: old root only → SELF_SIGNED_CERT_IN_CHAIN; old + new → authorized', async () => {
    const { leaf } = ph.crossSigned;
    const handshake = (ca: string) =>
      new Promise<{ authorized: boolean; error?: string }>((resolve, reject) => {
        const server = tls.createServer({ key: leaf.key.export({ type: 'pkcs8', format: 'pem' }), cert: leaf.chainPem, minVersion: 'TLSv1.2' }, (sock) => sock.end());
        server.listen(0, '127.0.0.1', () => {
          const port = (server.address() as { port: number }).port;
          const client = tls.connect({ host: '127.0.0.1', port, servername: 'swarm-manager', ca, rejectUnauthorized: false }, () => {
            const err = client.authorizationError;
            resolve({ authorized: client.authorized, ...(err ? { error: String((err as { code?: string }).code ?? err) } : {}) });
            client.end();
            server.close();
          });
          client.on('error', (e) => {
            server.close();
            reject(e);
          });
        });
      });
    const oldOnly = await handshake(oldRootPem);
    assert.equal(oldOnly.authorized, false);
    assert.equal(oldOnly.error, 'SELF_SIGNED_CERT_IN_CHAIN');
    const both = await handshake(trustBundle(ph.crossSigned.state));
    assert.equal(both.authorized, true, both.error);
  });

  await t.test('status after the rotation: nothing on an old root, one superseded, horizon sorted', async () => {
    const st = await caStatus(s, new Date(ph.retired.when));
    assert.equal(st.stage, 'idle');
    assert.equal(st.retiredRoots.length, 1);
    // n-cross was issued by the new key: same signer SKI, so not pending
    assert.deepEqual(st.onOldIssuer, []);
    assert.equal(st.certificates.superseded, 1);
    assert.equal(st.certificates.live, 4);
    const times = st.horizon.items.map((i) => Date.parse(i.notAfter));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.deepEqual(st.horizon.items.map((i) => i.kind).slice(-1), ['root']);
  });
});

test('stage checks: every transition refuses the wrong stage with ERR_CA_ROTATION_STAGE', async (t) => {
  const s = store(t);
  await initCa(s, { passphrase: pass }, at(0));
  for (const step of ['switch', 'finish', 'abort'] as const) {
    await assert.rejects(rotateRoot(s, { step }, at(1)), { code: 'ERR_CA_ROTATION_STAGE' }, step);
  }
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: Buffer.from('wrong passphrase!') }, at(1)), { code: 'ERR_KEY_PASSPHRASE' });
  await assert.rejects(rotateRoot(s, { step: 'start' }, at(1)), { code: 'ERR_KEY_PASSPHRASE' });
  assert.equal((await requireCaState(s)).rotation, undefined, 'a refused start changes nothing');
  const r = await rotateRoot(s, { step: 'next', passphrase: pass }, at(1));
  assert.equal(r.step, 'start');
  assert.equal(r.to, 'cross-signed');
  const newKey = r.state.signer.keyRef!;
  assert.match((await s.read(newKey))!.toString(), /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.equal(statSync(path.join(s.location, newKey)).mode & 0o777, 0o600);
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass }, at(2)), { code: 'ERR_CA_ROTATION_STAGE', message: /abort/ });
  await assert.rejects(rotateRoot(s, { step: 'finish' }, at(2)), { code: 'ERR_CA_ROTATION_STAGE', message: /switch/ });
  await assert.rejects(
    rotateRoot(s, { step: 'switch', importRoot: { cert: Buffer.from(''), key: Buffer.from('') } }, at(2)),
    { code: 'ERR_CA_ROTATION_STAGE' },
  );
  const sw = await rotateRoot(s, { step: 'next' }, at(2));
  assert.equal(sw.to, 'switched');
  await assert.rejects(rotateRoot(s, { step: 'abort' }, at(3)), { code: 'ERR_CA_ROTATION_STAGE', message: /already switched/ });
  const fin = await rotateRoot(s, { step: 'next' }, at(3));
  assert.equal(fin.to, 'idle');
  assert.equal(fin.from, 'switched');
});

test('abort: the old root signs again, the new key is deleted, leaves from the rotation show up as pending', async (t) => {
  const s = store(t);
  const { state: initial } = await initCa(s, { passphrase: pass }, at(0));
  const started = await rotateRoot(s, { step: 'start', passphrase: pass }, at(1));
  const during = await issueLeaf(s, 2, 'n-during');
  const aborted = await rotateRoot(s, { step: 'abort' }, at(3));
  assert.equal(aborted.to, 'idle');
  assert.equal(aborted.state.rotation, undefined);
  assert.deepEqual(aborted.state.signer, initial.signer);
  assert.equal(aborted.state.trustRootPem, initial.trustRootPem);
  assert.equal(await s.read(started.state.signer.keyRef!), undefined, 'new key discarded');
  assert.deepEqual(
    aborted.pending.map((p) => p.serial),
    [during.serialHex],
  );
  const after = await issueLeaf(s, 4, 'n-after');
  assert.equal(after.certs.length, 1);
  assert.ok(after.certs[0]!.verify(pemsOf(initial.trustRootPem)[0]!.publicKey));
  // the orphaned leaf cannot be renewed: its issuer is gone
  await assert.rejects(
    renewCertificate(s, { cert: Buffer.from(during.chainPem), force: true }, { clock: at(5), passphrase: async () => pass }),
    { code: 'ERR_CA_CERT_NOT_OURS' },
  );
});

test('switch and finish wait for convergence unless forced (ERR_CA_ROTATION_PENDING)', async (t) => {
  const s = store(t);
  await initCa(s, { passphrase: pass }, at(0));
  const old = await issueLeaf(s, 1, 'n-old');
  await issueLeaf(s, 1, 'n-gone');
  await rotateRoot(s, { step: 'start', passphrase: pass }, at(2));
  await assert.rejects(rotateRoot(s, { step: 'switch' }, at(3)), (e: { code: string; exitCode: number; details: { pending: unknown[] } }) => {
    assert.equal(e.code, 'ERR_CA_ROTATION_PENDING');
    assert.equal(e.exitCode, 1);
    assert.equal(e.details.pending.length, 2);
    return true;
  });
  await renewCertificate(s, { cert: Buffer.from(old.chainPem), force: true }, { clock: at(3), passphrase: async () => pass });
  // a node revoked by ID no longer counts
  await s.write('ca/revoked.json', JSON.stringify({ format: 1, entries: [], revokedNodes: [{ nodeId: 'n-gone', revokedAt: new Date(T0).toISOString(), reason: 'removed' }] }));
  const sw = await rotateRoot(s, { step: 'switch' }, at(4));
  assert.deepEqual(sw.pending, []);
  await s.write('ca/revoked.json', JSON.stringify({ format: 1, entries: [], revokedNodes: [] }));
  await assert.rejects(rotateRoot(s, { step: 'finish' }, at(5)), { code: 'ERR_CA_ROTATION_PENDING' });
  const fin = await rotateRoot(s, { step: 'finish', force: true }, at(5));
  assert.equal(fin.pending.length, 1);
  assert.equal(fin.pending[0]!.nodeId, 'n-gone');
});

test('rotate to an imported root: spec 2.3 checks, identical key refused, AKI when DNs differ, mode after finish', async (t) => {
  const s = store(t);
  const { state } = await initCa(s, { passphrase: pass }, at(0));
  const oldKeyPem = (await s.read(state.signer.keyRef!))!;
  const mk = (cn: string, years = 20, key = generateP256()) => {
    const spki = spkiDer(key.publicKey);
    const p = { ...profiles.get('root-ca')!, subject: [['CN', cn]] as Array<['CN', string]>, expiryMs: years * 365 * 86_400_000 };
    const der = issueCertificate(selfSigner(key.privateKey, [['CN', cn]], spki), { profile: p, spki }, new Date(T0));
    return { cert: Buffer.from(der.chainPem), key: Buffer.from(key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), der: der.der, pair: key };
  };
  // the current key under a new certificate
  const privateKey = createPrivateKey({ key: oldKeyPem.toString(), passphrase: pass });
  const sameKey = mk('swarm-ca', 20, { privateKey, publicKey: createPublicKey(privateKey) });
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: sameKey.cert, key: sameKey.key } }, at(1)), { code: 'ERR_CA_ROTATE_SAME_KEY' });
  const short = mk('short', 0.5);
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: short.cert, key: short.key } }, at(1)), { code: 'ERR_CA_IMPORT', message: /less than a year/ });
  const good = mk('corp-swarm-root');
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: good.cert, key: short.key } }, at(1)), { code: 'ERR_CA_KEY_MISMATCH' });
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: Buffer.concat([good.cert, short.cert]), key: good.key } }, at(1)), { code: 'ERR_CA_IMPORT', message: /exactly one/ });
  const leafOfGood = issueCertificate(makeSigner(good.der, good.pair.privateKey), { profile: profiles.get('ca')!, spki: spkiDer(generateP256().publicKey), csrSubjectDer: certFields(good.der).subjectDer }, new Date(T0));
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: Buffer.from(leafOfGood.chainPem), key: good.key } }, at(1)), { code: 'ERR_CA_IMPORT' });
  assert.equal((await requireCaState(s)).rotation, undefined);

  const r = await rotateRoot(s, { step: 'start', passphrase: pass, importRoot: { cert: good.cert, key: good.key } }, at(1));
  const cross = x509(certsOf(r.state.rotation!.crossSignedPem)[0]!);
  assert.equal(cross.subject, 'CN=corp-swarm-root');
  assert.equal(cross.issuer, 'CN=swarm-ca');
  assert.ok(certificateExtensions(cross.raw).some((e) => e.oid === OID.authorityKeyIdentifier), 'DNs differ: AKI = old SKI (Go)');
  assert.equal(r.state.rotation!.source, 'imported');
  const leaf = await issueLeaf(s, 2, 'n1');
  assert.equal(leaf.certs[0]!.issuer, 'CN=corp-swarm-root');
  await rotateRoot(s, { step: 'switch' }, at(3));
  const fin = await rotateRoot(s, { step: 'finish' }, at(4));
  assert.equal(fin.state.mode, 'imported-root');
  assert.equal(fin.state.trustRootPem, toPem('CERTIFICATE', good.der));
});

test('an intermediate-mode CA cannot rotate its enterprise root (ERR_CA_ROTATE_UNSUPPORTED)', async (t) => {
  const entKey = generateP256();
  const entSpki = spkiDer(entKey.publicKey);
  const ent = issueCertificate(selfSigner(entKey.privateKey, [['CN', 'enterprise-root']], entSpki), { profile: profiles.get('root-ca')!, spki: entSpki }, new Date(T0));
  const interKey = generateP256();
  const inter = issueCertificate(makeSigner(ent.der, entKey.privateKey), { profile: { ...profiles.get('ca')!, subject: [['CN', 'swarm-ca']] }, spki: spkiDer(interKey.publicKey) }, new Date(T0));
  const s = store(t);
  await initCa(
    s,
    { passphrase: pass, intermediate: { cert: Buffer.from(inter.chainPem), key: Buffer.from(interKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), roots: Buffer.from(ent.chainPem) } },
    at(0),
  );
  await assert.rejects(rotateRoot(s, { step: 'start', passphrase: pass }, at(1)), { code: 'ERR_CA_ROTATE_UNSUPPORTED' });
});

test('CLI: ca rotate advances one stage at a time, --json, exit codes', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const state = path.join(dir, 'state');
  const env = { SWARMGUARD_CA_PASSPHRASE: 'correct horse battery staple' };
  assert.equal(runCli(['--state', state, 'ca', 'init', '--cluster-id', 'c1'], { env }).code, 0);
  const csr = path.join(dir, 'n.csr');
  writeFileSync(csr, makeCsr().pem);
  const leafPath = path.join(dir, 'n1.pem');
  assert.equal(runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n1', '--role', 'worker', '--out', leafPath], { env }).code, 0);

  const noPass = runCli(['--json', '--state', state, 'ca', 'rotate']);
  assert.equal(noPass.code, 2);
  assert.equal((JSON.parse(noPass.stdout) as { error: { code: string } }).error.code, 'ERR_CLI_SECRET_MISSING');
  const bad = runCli(['--json', '--state', state, 'ca', 'rotate', '--stage', 'sideways']);
  assert.equal(bad.code, 2);
  const wrong = runCli(['--json', '--state', state, 'ca', 'rotate', '--stage', 'finish']);
  assert.equal(wrong.code, 2);
  assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'ERR_CA_ROTATION_STAGE');

  const start = runCli(['--json', '--state', state, 'ca', 'rotate'], { env });
  assert.equal(start.code, 0, start.stderr);
  const sd = JSON.parse(start.stdout) as { step: string; from: string; stage: string; next: string; pending: Array<{ nodeId: string }>; trustBundle: unknown[]; signer: { chain: unknown[] } };
  assert.deepEqual([sd.step, sd.from, sd.stage], ['start', 'idle', 'cross-signed']);
  assert.equal(sd.trustBundle.length, 2);
  assert.equal(sd.signer.chain.length, 1);
  assert.deepEqual(sd.pending.map((p) => p.nodeId), ['n1']);
  assert.match(sd.next, /--stage switch/);

  const pending = runCli(['--json', '--state', state, 'ca', 'rotate']);
  assert.equal(pending.code, 1);
  assert.equal((JSON.parse(pending.stdout) as { error: { code: string } }).error.code, 'ERR_CA_ROTATION_PENDING');
  const renew = runCli(['--state', state, 'ca', 'renew', '--cert', leafPath, '--force', '--out', leafPath], { env });
  assert.equal(renew.code, 0, renew.stderr);

  const human = runCli(['--state', state, 'ca', 'rotate']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /cross-signed → switched/);
  assert.match(human.stdout, /next: .*--stage finish/);
  const abort = runCli(['--state', state, 'ca', 'rotate', '--stage', 'abort']);
  assert.equal(abort.code, 2);
  const fin = runCli(['--json', '--state', state, 'ca', 'rotate'], { env });
  assert.equal(fin.code, 0, fin.stderr);
  assert.equal((JSON.parse(fin.stdout) as { stage: string }).stage, 'idle');
  const root = runCli(['--state', state, 'ca', 'export-root']);
  assert.ok(new X509Certificate(root.stdout).checkIssued(new X509Certificate(root.stdout)));
  const leaf = new X509Certificate(certsOf(readFileSync(leafPath, 'utf8'))[0]!);
  assert.ok(leaf.verify(new X509Certificate(root.stdout).publicKey), 'the renewed leaf chains to the new trust root');
});

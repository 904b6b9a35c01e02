import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import { issueCertificate, makeSigner, selfSigner } from '../../src/ca/issue.js';
import { loadProfiles } from '../../src/ca/profiles.js';
import { readIssued, requireCaState } from '../../src/ca/state.js';
import { fixedClock } from '../../src/core/clock.js';
import { generateP256, spkiDer } from '../../src/core/keys.js';
import { toPem } from '../../src/core/pem.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { tempDir } from '../helpers/env.js';

const profiles = await loadProfiles();
const clock = fixedClock('2026-11-28T12:00:00Z');
const pass = Buffer.from('a long enough passphrase');

function store(t: { after: (f: () => void) => void }): FileStore {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  return new FileStore(path.join(dir, 'state'));
}

function root(validYears = 20, key = generateP256(), subject: Array<['CN' | 'O', string]> = [['CN', 'enterprise-root']]) {
  const spki = spkiDer(key.publicKey);
  const p = { ...profiles.get('root-ca')!, subject, expiryMs: validYears * 365 * 86_400_000 };
  const cert = issueCertificate(selfSigner(key.privateKey, subject, spki), { profile: p, spki }, clock.now());
  return { cert, key };
}

test('init creates a new root, stores the key encrypted 0600, refuses a second init', async (t) => {
  const s = store(t);
  const { state } = await initCa(s, { passphrase: pass }, clock);
  assert.equal(state.mode, 'root');
  assert.match(state.clusterId, /^[0-9a-z]{25}$/);
  const keyFile = path.join(s.location, state.signer.keyRef!);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match((await s.read(state.signer.keyRef!))!.toString(), /BEGIN ENCRYPTED PRIVATE KEY/);
  assert.equal(state.trustRootPem, state.signer.certPem);
  await assert.rejects(initCa(s, { passphrase: pass }, clock), { code: 'ERR_CA_EXISTS' });
  await assert.rejects(CertificateAuthority.open(s, { passphrase: Buffer.from('wrong passphrase'), clock }), { code: 'ERR_KEY_PASSPHRASE' });
});

test('init refuses short passphrases and bad cluster IDs', async (t) => {
  const s = store(t);
  await assert.rejects(initCa(s, { passphrase: Buffer.from('short') }, clock), { code: 'ERR_CA_PASSPHRASE_WEAK' });
  await assert.rejects(initCa(s, { passphrase: pass, clusterId: 'has space' }, clock), { code: 'ERR_CA_CLUSTER_ID' });
});

test('import root: the checks of spec 2.3', async (t) => {
  const good = root();
  const keyPem = Buffer.from(good.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const certPem = Buffer.from(good.cert.chainPem);
  // expires in under a year
  const short = root(0.5);
  await assert.rejects(initCa(store(t), { passphrase: pass, importRoot: { cert: Buffer.from(short.cert.chainPem) } }, clock), { code: 'ERR_CA_IMPORT', message: /less than a year/ });
  // two certs
  await assert.rejects(initCa(store(t), { passphrase: pass, importRoot: { cert: Buffer.from(good.cert.chainPem + short.cert.chainPem) } }, clock), { code: 'ERR_CA_IMPORT', message: /exactly one/ });
  // key of another cert
  const other = Buffer.from(generateP256().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await assert.rejects(initCa(store(t), { passphrase: pass, importRoot: { cert: certPem, key: other } }, clock), { code: 'ERR_CA_KEY_MISMATCH' });
  // RSA 1024 root
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const weakRoot = root(20, weak as never);
  await assert.rejects(initCa(store(t), { passphrase: pass, importRoot: { cert: Buffer.from(weakRoot.cert.chainPem) } }, clock), { code: 'ERR_KEY_WEAK' });
  // not a CA
  const signer = makeSigner(good.cert.der, good.key.privateKey);
  const leaf = issueCertificate(signer, { profile: profiles.get('server')!, spki: spkiDer(generateP256().publicKey), subject: [['CN', 'x']], hosts: ['x'] }, clock.now());
  await assert.rejects(initCa(store(t), { passphrase: pass, importRoot: { cert: Buffer.from(leaf.chainPem) } }, clock), { code: 'ERR_CA_IMPORT', message: /not a CA/ });
  // good import, with encrypted key file
  const encrypted = Buffer.from(good.key.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'import-pass' }) as string);
  const s = store(t);
  const { state } = await initCa(s, { passphrase: pass, clusterId: 'mycluster', importRoot: { cert: certPem, key: encrypted, keyPassphrase: Buffer.from('import-pass') } }, clock);
  assert.equal(state.mode, 'imported-root');
  assert.equal(state.clusterId, 'mycluster');
  assert.equal(state.trustRootPem, good.cert.chainPem);
  void keyPem;
});

test('intermediate under an enterprise root: leaves carry the intermediate and chain to the root', async (t) => {
  const ent = root();
  const interKey = generateP256();
  const interSpki = spkiDer(interKey.publicKey);
  const inter = issueCertificate(makeSigner(ent.cert.der, ent.key.privateKey), { profile: { ...profiles.get('ca')!, subject: [['CN', 'swarm-ca']] }, spki: interSpki }, clock.now());
  const s = store(t);
  const interKeyPem = Buffer.from(interKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await assert.rejects(
    initCa(s, { passphrase: pass, intermediate: { cert: Buffer.from(inter.chainPem), key: interKeyPem, roots: Buffer.from(root().cert.chainPem) } }, clock),
    { code: 'ERR_CA_CHAIN' },
  );
  const { state } = await initCa(s, { passphrase: pass, intermediate: { cert: Buffer.from(inter.chainPem), key: interKeyPem, roots: Buffer.from(ent.cert.chainPem) } }, clock);
  assert.equal(state.mode, 'intermediate');
  assert.equal(state.trustRootPem, ent.cert.chainPem);
  const ca = await CertificateAuthority.open(s, { passphrase: pass, clock });
  const issued = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'node1', via: 'test' });
  const certs = issued.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean);
  assert.equal(certs.length, 2);
  const leaf = new X509Certificate(certs[0]!);
  const mid = new X509Certificate(certs[1]!);
  assert.ok(leaf.verify(mid.publicKey));
  assert.ok(mid.verify(new X509Certificate(ent.cert.der).publicKey));
  const log = await readIssued(s);
  assert.equal(log.length, 1);
  assert.equal(log[0]!.serial, issued.serialHex);
  assert.equal(log[0]!.nodeId, 'node1');
  assert.equal((await requireCaState(s)).mode, 'intermediate');
  void toPem;
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { initCa } from '../../src/ca/init.js';
import { MtlsServerCredentials, authorizePeer, clientOptions, revocationCheck, type MtlsMaterial, type MtlsPolicy } from '../../src/ca/mtls.js';
import { revokeCertificate } from '../../src/ca/revoke.js';
import { signCrl } from '../../src/ca/crl.js';
import { openRevocations } from '../../src/ca/revocation-list.js';
import { rotateRoot } from '../../src/ca/rotate.js';
import { trustBundle, requireCaState } from '../../src/ca/state.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import { makeCsr } from '../helpers/csr.js';
import { tempDir } from '../helpers/env.js';

const pass = Buffer.from('mtls test passphrase');
const CLUSTER = 'c1';

async function newCa(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new FileStore(path.join(dir, 'state'));
  await initCa(store, { passphrase: pass, clusterId: CLUSTER }, systemClock);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  return { store, ca };
}

async function material(ca: CertificateAuthority, role: 'manager' | 'worker', nodeId: string, opts: { clusterId?: string; clock?: ReturnType<typeof fixedClock>; roots?: string } = {}): Promise<MtlsMaterial & { serial: string }> {
  const { der, key } = makeCsr();
  const issuer = opts.clock ? await CertificateAuthority.open(ca.store, { passphrase: pass, clock: opts.clock }) : ca;
  const issued = await issuer.issue({ csr: der, role, nodeId, via: 'test', ...(opts.clusterId ? { clusterId: opts.clusterId } : {}) });
  return { certChainPem: issued.chainPem, keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, trustRootsPem: opts.roots ?? ca.state.trustRootPem, serial: issued.serialHex };
}

const managers: MtlsPolicy = { clusterId: CLUSTER, allowedRoles: ['swarm-manager'] };

/** Start a server; each authorized connection gets its server cert serial, then echoes. */
async function serve(t: { after: (f: () => void) => void }, creds: MtlsServerCredentials): Promise<{ port: number; refused: string[] }> {
  const refused: string[] = [];
  const server = creds.attach(tls.createServer(creds.serverOptions()));
  server.on('secureConnection', (s) => {
    if (s.destroyed) return;
    s.write(`serial:${new X509Certificate(s.getX509Certificate()!.raw).serialNumber.toLowerCase()}\n`);
    s.on('data', (d) => s.write(d));
    s.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, refused };
}

type Outcome = { ok: true; socket: tls.TLSSocket; first: string } | { ok: false; error: string };
function connect(port: number, options: tls.ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...options });
    let done = false;
    const finish = (o: Outcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    s.once('data', (d) => finish({ ok: true, socket: s, first: d.toString() }));
    s.once('error', (e) => finish({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    s.once('close', () => finish({ ok: false, error: 'closed by server' }));
    setTimeout(() => {
      s.destroy();
      finish({ ok: false, error: 'timeout' });
    }, 5_000).unref();
  });
}

function end(o: Outcome): void {
  if (o.ok) o.socket.destroy();
}

test('manager to manager handshakes; the policy refuses wrong role, wrong cluster, revoked serial and revoked node', async (t) => {
  const { store, ca } = await newCa(t);
  const serverMat = await material(ca, 'manager', 'srv');
  const good = await material(ca, 'manager', 'm1');
  const worker = await material(ca, 'worker', 'w1');
  const foreign = await material(ca, 'manager', 'm2', { clusterId: 'other-cluster' });
  const revokedSerial = await material(ca, 'manager', 'm3');
  const revokedNode = await material(ca, 'manager', 'm4');
  await revokeCertificate(store, { serial: revokedSerial.serial }, systemClock);
  await revokeCertificate(store, { nodeId: 'm4' }, systemClock);
  const revs = await openRevocations(store);
  const refused: string[] = [];
  const creds = new MtlsServerCredentials(serverMat, { ...managers, isRevoked: revocationCheck(revs) }, { onRefused: (r) => refused.push(r) });
  const { port } = await serve(t, creds);
  const policyForServer: MtlsPolicy = { clusterId: CLUSTER, allowedRoles: ['swarm-manager'] };

  const ok = await connect(port, clientOptions(good, policyForServer));
  assert.equal(ok.ok, true, ok.ok ? '' : ok.error);
  end(ok);
  for (const m of [worker, foreign, revokedSerial, revokedNode]) {
    const r = await connect(port, clientOptions(m, policyForServer));
    assert.equal(r.ok, false);
    end(r);
  }
  assert.equal(refused.length, 4);
  assert.match(refused[0]!, /role swarm-worker is not allowed/);
  assert.match(refused[1]!, /cluster other-cluster/);
  assert.match(refused[2]!, /revoked/);
  assert.match(refused[3]!, /node m4 is revoked/);
});

test('refused at the TLS layer: no client certificate, another CA, an expired certificate, TLS 1.1, a CBC suite', async (t) => {
  const { ca } = await newCa(t);
  const other = await newCa(t);
  const serverMat = await material(ca, 'manager', 'srv');
  const good = await material(ca, 'manager', 'm1');
  const { port } = await serve(t, new MtlsServerCredentials(serverMat, managers));
  const policy = managers;
  const base = clientOptions(good, policy);

  const noCert = await connect(port, { ...base, cert: undefined, key: undefined });
  assert.equal(noCert.ok, false);
  const stranger = await material(other.ca, 'manager', 'm9', { clusterId: CLUSTER, roots: ca.state.trustRootPem });
  const r2 = await connect(port, clientOptions(stranger, policy));
  assert.equal(r2.ok, false);
  const expired = await material(ca, 'manager', 'old', { clock: fixedClock('2020-01-01T00:00:00Z') });
  const r3 = await connect(port, clientOptions(expired, policy));
  assert.equal(r3.ok, false);
  const r4 = await connect(port, { ...base, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
  assert.equal(r4.ok, false);
  const r5 = await connect(port, { ...base, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' });
  assert.equal(r5.ok, false);
  const r6 = await connect(port, { ...base, maxVersion: 'TLSv1.2' });
  assert.equal(r6.ok, true, r6.ok ? '' : r6.error);
  end(r6);
});

test('the client refuses a server whose certificate is a worker\'s or from another cluster', async (t) => {
  const { ca } = await newCa(t);
  const workerServer = await material(ca, 'worker', 'srv');
  const { port } = await serve(t, new MtlsServerCredentials(workerServer, { clusterId: CLUSTER, allowedRoles: ['swarm-manager', 'swarm-worker'] }));
  const client = await material(ca, 'manager', 'm1');
  const r = await connect(port, clientOptions(client, managers, 'swarm-worker'));
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /refused by policy|ERR_TLS_CERT_ALTNAME_INVALID/);
});

test('update(): new handshakes get the renewed certificate, open connections keep working', async (t) => {
  const { ca } = await newCa(t);
  const first = await material(ca, 'manager', 'srv');
  const creds = new MtlsServerCredentials(first, managers);
  const { port } = await serve(t, creds);
  const client = await material(ca, 'manager', 'm1');
  const a = await connect(port, clientOptions(client, managers));
  assert.ok(a.ok);
  assert.match(a.first, new RegExp(`serial:${first.serial}`));
  const renewed = await material(ca, 'manager', 'srv');
  creds.update(renewed);
  const b = await connect(port, clientOptions(client, managers));
  assert.ok(b.ok);
  assert.match(b.first, new RegExp(`serial:${renewed.serial}`));
  // the long-lived connection still echoes
  const echoed = await new Promise<string>((resolve) => {
    a.socket.once('data', (d) => resolve(d.toString()));
    a.socket.write('ping');
  });
  assert.equal(echoed, 'ping');
  end(a);
  end(b);
});

test('during a root rotation a [leaf][cross-signed] chain is accepted when old and new roots are trusted', async (t) => {
  const { store, ca } = await newCa(t);
  const oldRoot = ca.state.trustRootPem;
  const serverMat = await material(ca, 'manager', 'srv'); // issued by the old root
  await rotateRoot(store, { step: 'start', passphrase: pass }, systemClock);
  await ca.reload();
  const bundle = trustBundle(await requireCaState(store));
  assert.notEqual(bundle, oldRoot);
  const client = await material(ca, 'manager', 'm1', { roots: bundle }); // new key + cross-signed appended
  assert.equal(client.certChainPem.split('BEGIN CERTIFICATE').length - 1, 2);
  const { port } = await serve(t, new MtlsServerCredentials({ ...serverMat, trustRootsPem: bundle }, managers));
  const r = await connect(port, clientOptions({ ...client, trustRootsPem: bundle }, managers));
  assert.equal(r.ok, true, r.ok ? '' : r.error);
  end(r);
  // with only the old root trusted, OpenSSL (and so Node) rejects the same chain (spec 4.4)
  const { port: oldOnlyPort } = await serve(t, new MtlsServerCredentials({ ...serverMat, trustRootsPem: oldRoot }, managers));
  const r2 = await connect(oldOnlyPort, clientOptions({ ...client, trustRootsPem: bundle }, managers));
  assert.equal(r2.ok, false);
});

test('authorizePeer is pure and a CRL drives the revocation check', async (t) => {
  const { store, ca } = await newCa(t);
  const m = await material(ca, 'manager', 'm1');
  const cert = new X509Certificate(m.certChainPem);
  assert.deepEqual(authorizePeer(cert, managers), { ok: true, nodeId: 'm1', role: 'swarm-manager', clusterId: CLUSTER, serial: m.serial });
  assert.equal(authorizePeer(undefined, managers).ok, false);
  await revokeCertificate(store, { serial: m.serial }, systemClock);
  const crl = await signCrl(store, ca.signer, systemClock);
  assert.equal(authorizePeer(cert, { ...managers, isRevoked: revocationCheck(crl.pem) }).ok, false);
});

import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { initCa } from '../../src/ca/init.js';
import {
  MtlsCredentials,
  authorizePeer,
  caPolicy,
  clientContext,
  clientOptions,
  createReloadableServer,
  crlIndex,
  mtlsFromCa,
  revocationCheck,
  secureContextOptions,
  serverContext,
  type IssuedMtls,
  type MtlsMaterial,
  type MtlsPolicy,
} from '../../src/ca/mtls.js';
import { signCrl } from '../../src/ca/crl.js';
import { CertificateAuthority } from '../../src/ca/authority.js';
import { openRevocations } from '../../src/ca/revocation-list.js';
import { revokeCertificate } from '../../src/ca/revoke.js';
import { rotateRoot } from '../../src/ca/rotate.js';
import { requireCaState, trustBundle } from '../../src/ca/state.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { defaults } from '../../src/defaults.js';
import { FileStore } from '../../src/store/file-store.js';
import { tempDir } from '../helpers/env.js';

const pass = Buffer.from('mtls test passphrase');
const CLUSTER = 'c1';
const managers: MtlsPolicy = { clusterId: CLUSTER, allowedRoles: ['swarm-manager'] };
type T = { after: (f: () => void | Promise<void>) => void };

async function newCa(t: T, clusterId = CLUSTER) {
  const { dir, cleanup } = tempDir();
  const store = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await store.close();
    cleanup();
  });
  await initCa(store, { passphrase: pass, clusterId }, systemClock);
  return { dir, store };
}

const issue = (store: FileStore, role: Parameters<typeof mtlsFromCa>[2]['role'], nodeId: string, opts: Partial<Parameters<typeof mtlsFromCa>[2]> = {}): Promise<IssuedMtls> =>
  mtlsFromCa(store, pass, { nodeId, role, ...opts });

const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^(00)+(?=..)/, '');

interface Served {
  port: number;
  creds: MtlsCredentials;
  refused: string[];
  logs: string[];
  admitted: Array<{ nodeId: string; role: string }>;
}

/** A guarded server on 127.0.0.1: each admitted connection gets the serial the server presented, then an echo. */
async function serve(t: T, material: MtlsMaterial, policy: MtlsPolicy, extra: Parameters<typeof createReloadableServer>[2] = {}): Promise<Served> {
  const refused: string[] = [];
  const logs: string[] = [];
  const admitted: Served['admitted'] = [];
  const open = new Set<tls.TLSSocket>();
  const { server, credentials, close } = createReloadableServer(material, policy, {
    ...extra,
    onRefused: (r) => refused.push(r),
    log: (l) => logs.push(l),
    onConnection: (s, peer) => {
      admitted.push(peer);
      open.add(s);
      s.on('close', () => open.delete(s));
      s.write(`serial:${serialOf(s.getX509Certificate()!.toString())}\n`);
      s.on('data', (d) => s.write(d));
      s.on('error', () => undefined);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    // a failed assertion can leave connections open; close() would wait for them
    for (const s of open) s.destroy();
    await close();
  });
  return { port: (server.address() as { port: number }).port, creds: credentials, refused, logs, admitted };
}

type Outcome = { ok: true; socket: tls.TLSSocket; first: string } | { ok: false; error: string; message: string };
function connect(port: number, options: tls.ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...options });
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      if (!o.ok) s.destroy();
      resolve(o);
    };
    s.once('data', (d) => finish({ ok: true, socket: s, first: d.toString() }));
    s.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? 'ERROR', message: e.message }));
    s.once('close', () => finish({ ok: false, error: 'CLOSED', message: 'closed by the server' }));
    setTimeout(() => finish({ ok: false, error: 'TIMEOUT', message: 'no answer' }), 5_000).unref();
  });
}

const end = (o: Outcome): void => {
  if (o.ok) o.socket.destroy();
};

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const limit = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > limit) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function echo(socket: tls.TLSSocket, msg: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (d) => resolve(d.toString()));
    socket.write(msg);
  });
}

test('manager to manager: handshake on TLS 1.3 (and 1.2 with an AEAD suite), both sides see who the peer is', async (t) => {
  const { store } = await newCa(t);
  const srv = await issue(store, 'manager', 'srv');
  const m1 = await issue(store, 'manager', 'm1');
  const s = await serve(t, srv, managers);
  const ok = await connect(s.port, clientOptions(m1, managers));
  assert.ok(ok.ok, ok.ok ? '' : ok.message);
  assert.equal(ok.first, `serial:${srv.serialHex}\n`);
  assert.equal(ok.socket.getProtocol(), 'TLSv1.3');
  assert.deepEqual(s.admitted, [{ nodeId: 'm1', role: 'swarm-manager', clusterId: CLUSTER, serial: m1.serialHex }]);
  end(ok);
  const tls12 = await connect(s.port, { ...clientOptions(m1, managers), maxVersion: 'TLSv1.2' });
  assert.ok(tls12.ok, tls12.ok ? '' : tls12.message);
  assert.equal(tls12.socket.getProtocol(), 'TLSv1.2');
  assert.match(tls12.socket.getCipher().name, /GCM|CHACHA20/);
  end(tls12);
  assert.deepEqual(s.refused, []);
});

test('policy refusals after the handshake: worker where only managers are allowed, another cluster, revoked serial, revoked node, CRL', async (t) => {
  const { store } = await newCa(t);
  const srv = await issue(store, 'manager', 'srv');
  const worker = await issue(store, 'worker', 'w1');
  const foreign = await issue(store, 'manager', 'm2', { clusterId: 'other-cluster' });
  const revokedSerial = await issue(store, 'manager', 'm3');
  const revokedNode = await issue(store, 'manager', 'm4');
  const onCrl = await issue(store, 'manager', 'm5');
  const good = await issue(store, 'manager', 'm1');
  await revokeCertificate(store, { serial: revokedSerial.serialHex }, systemClock);
  await revokeCertificate(store, { nodeId: 'm4' }, systemClock);
  const policy = await caPolicy(store, ['swarm-manager']);
  assert.equal(policy.clusterId, CLUSTER);
  const s = await serve(t, srv, policy);
  const client = (m: MtlsMaterial) => clientOptions(m, managers);

  const ok = await connect(s.port, client(good));
  assert.ok(ok.ok, ok.ok ? '' : ok.message);
  end(ok);
  for (const m of [worker, foreign, revokedSerial, revokedNode]) {
    const r = await connect(s.port, client(m));
    assert.equal(r.ok, false);
  }
  await until(() => s.refused.length === 4, 'four refusals');
  assert.match(s.refused[0]!, /role swarm-worker is not allowed here \(allowed: swarm-manager\)/);
  assert.match(s.refused[1]!, /certificate is for cluster other-cluster, not c1/);
  assert.match(s.refused[2]!, new RegExp(`certificate ${revokedSerial.serialHex} of node m3 is revoked`));
  assert.match(s.refused[3]!, /of node m4 is revoked/);
  assert.ok(s.logs.some((l) => /refused a connection from 127\.0\.0\.1: role swarm-worker/.test(l)), s.logs.join('\n'));

  // a server that knows only the CRL (a remote peer): m5 revoked after the server started, new CRL pushed by update()
  await revokeCertificate(store, { serial: onCrl.serialHex, reason: 'keyCompromise' }, systemClock);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  const crl = await signCrl(store, ca.signer, systemClock);
  const remote = await serve(t, srv, managers);
  const before = await connect(remote.port, client(onCrl));
  assert.ok(before.ok, 'not revoked before the CRL arrives');
  remote.creds.update({ ...srv, crl: crl.pem });
  const after = await connect(remote.port, client(onCrl));
  assert.equal(after.ok, false);
  await until(() => remote.refused.length === 1, 'the CRL refusal');
  assert.match(remote.refused[0]!, new RegExp(`certificate ${onCrl.serialHex} of node m5 is revoked \\(CRL\\)`));
  // the connection admitted before the CRL is left alone
  assert.equal(await echo((before as { socket: tls.TLSSocket }).socket, 'still here'), 'still here');
  end(before);
});

test('TLS-layer refusals with the reason logged: no client certificate, another CA, an expired certificate, TLS 1.1, a CBC suite', async (t) => {
  const { store } = await newCa(t);
  const other = await newCa(t);
  const srv = await issue(store, 'manager', 'srv');
  const good = await issue(store, 'manager', 'm1');
  const s = await serve(t, srv, managers);
  const base = clientOptions(good, managers);
  const cases: Array<[string, tls.ConnectionOptions, RegExp, RegExp]> = [
    ['no client certificate', { ...base, cert: undefined, key: undefined }, /no client certificate/, /CERTIFICATE_REQUIRED|CLOSED|ECONNRESET/],
    ['no client certificate, TLS 1.2', { ...base, cert: undefined, key: undefined, maxVersion: 'TLSv1.2' }, /no client certificate/, /HANDSHAKE_FAILURE/],
    ['another CA', clientOptions({ ...(await issue(other.store, 'manager', 'm9', { clusterId: CLUSTER })), trustRootsPem: srv.trustRootsPem }, managers), /client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE/, /.*/],
    ['expired', clientOptions(await issue(store, 'manager', 'old', { clock: fixedClock('2020-01-01T00:00:00Z') }), managers), /client certificate refused: CERT_HAS_EXPIRED/, /.*/],
    ['TLS 1.1', { ...base, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, /TLS version below 1\.2/, /ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION/],
    ['CBC suite', { ...base, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA256' }, /no shared cipher suite/, /HANDSHAKE_FAILURE/],
  ];
  for (const [name, options, serverReason, clientError] of cases) {
    const n = s.refused.length;
    const r = await connect(s.port, options);
    assert.equal(r.ok, false, name);
    assert.match((r as { error: string }).error, clientError, name);
    await until(() => s.refused.length > n, `the refusal of: ${name}`);
    assert.match(s.refused[n]!, serverReason, name);
  }
  assert.equal(s.admitted.length, 0);
  const fine = await connect(s.port, base);
  assert.ok(fine.ok);
  end(fine);
});

test('the client checks the server: its name (swarm-manager by default), its role and cluster, the CRL', async (t) => {
  const { store } = await newCa(t);
  const client = await issue(store, 'manager', 'm1');
  const both: MtlsPolicy = { clusterId: CLUSTER, allowedRoles: ['swarm-manager', 'swarm-worker'] };
  const workerServer = await serve(t, await issue(store, 'worker', 'wsrv'), both);
  const byName = await connect(workerServer.port, clientOptions(client, managers));
  assert.equal(byName.ok, false);
  assert.equal((byName as { error: string }).error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  const byRole = await connect(workerServer.port, clientOptions(client, { ...managers, serverName: 'swarm-worker' }));
  assert.equal(byRole.ok, false);
  assert.equal((byRole as { error: string }).error, 'ERR_MTLS_PEER_REFUSED');
  assert.match((byRole as { message: string }).message, /role swarm-worker is not allowed/);
  const asWorker = await connect(workerServer.port, clientOptions(client, { ...both, serverName: 'swarm-worker' }));
  assert.ok(asWorker.ok);
  end(asWorker);

  const srv = await issue(store, 'manager', 'msrv');
  const managerServer = await serve(t, srv, managers);
  await revokeCertificate(store, { serial: srv.serialHex }, systemClock);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  const crl = (await signCrl(store, ca.signer, systemClock)).pem;
  const r = await connect(managerServer.port, clientContext({ ...client, crl }, managers).options);
  assert.equal(r.ok, false);
  assert.match((r as { message: string }).message, /revoked \(CRL\)/);
});

test('update(): a long-lived connection stays open while new handshakes get the renewed certificate; bad material changes nothing', async (t) => {
  const { store } = await newCa(t);
  const first = await issue(store, 'manager', 'srv');
  const reloads: string[] = [];
  const s = await serve(t, first, managers, { onReload: (c) => reloads.push(c.serial) });
  const client = await issue(store, 'manager', 'm1');
  const a = await connect(s.port, clientOptions(client, managers));
  assert.ok(a.ok);
  assert.equal(a.first, `serial:${first.serialHex}\n`);

  const renewed = await issue(store, 'manager', 'srv');
  s.creds.update(renewed);
  assert.equal(s.creds.certificate.serial, renewed.serialHex);
  assert.deepEqual(reloads, [renewed.serialHex]);
  const b = await connect(s.port, clientOptions(client, managers));
  assert.ok(b.ok);
  assert.equal(b.first, `serial:${renewed.serialHex}\n`);
  assert.equal(await echo(a.socket, 'ping'), 'ping');
  assert.ok(!a.socket.destroyed);

  const stranger = await issue(store, 'manager', 'other');
  assert.throws(() => s.creds.update({ ...renewed, keyPem: stranger.keyPem }), { code: 'ERR_MTLS_MATERIAL' });
  assert.throws(() => s.creds.update({ ...renewed, trustRootsPem: '' }), { code: 'ERR_MTLS_NO_ROOTS' });
  const c = await connect(s.port, clientOptions(client, managers));
  assert.ok(c.ok);
  assert.equal(c.first, `serial:${renewed.serialHex}\n`);
  for (const o of [a, b, c]) end(o);
});

test('watch: renewed files on disk are picked up (debounced); a half-written pair is logged and retried', async (t) => {
  const { dir, store } = await newCa(t);
  const first = await issue(store, 'manager', 'srv');
  const files = { cert: path.join(dir, 'node.crt'), key: path.join(dir, 'node.key'), roots: path.join(dir, 'root.crt') };
  const write = (m: MtlsMaterial, which: Array<'cert' | 'key' | 'roots'> = ['cert', 'key', 'roots']) => {
    if (which.includes('cert')) writeFileSync(files.cert, m.certChainPem);
    if (which.includes('key')) writeFileSync(files.key, m.keyPem);
    if (which.includes('roots')) writeFileSync(files.roots, m.trustRootsPem);
  };
  write(first);
  const s = await serve(t, first, managers, { watch: { ...files, intervalMs: 30, debounceMs: 30 } });
  const client = await issue(store, 'manager', 'm1');
  const a = await connect(s.port, clientOptions(client, managers));
  assert.ok(a.ok);
  assert.equal(a.first, `serial:${first.serialHex}\n`);

  const second = await issue(store, 'manager', 'srv');
  write(second, ['cert']); // the key is not there yet
  await until(() => s.logs.some((l) => /reload from .* failed, keeping the current certificate/.test(l)), 'the failed reload');
  assert.equal(s.creds.certificate.serial, first.serialHex);
  write(second, ['key']);
  await until(() => s.creds.certificate.serial === second.serialHex, 'the reload');
  const b = await connect(s.port, clientOptions(client, managers));
  assert.ok(b.ok);
  assert.equal(b.first, `serial:${second.serialHex}\n`);
  assert.equal(await echo(a.socket, 'still open'), 'still open');
  end(a);
  end(b);
});

test('root rotation: a [leaf][cross-signed] chain is accepted when old and new roots are trusted, refused with the old root only (spec 4.4)', async (t) => {
  const { store } = await newCa(t);
  const oldRoot = (await requireCaState(store)).trustRootPem;
  const oldLeafServer = await issue(store, 'manager', 'srv'); // issued by the old root, before the rotation
  await rotateRoot(store, { step: 'start', passphrase: pass }, systemClock);
  const state = await requireCaState(store);
  const bundle = trustBundle(state);
  const newRoot = state.rotation!.newRoot.certPem;
  assert.equal(bundle, oldRoot + newRoot);

  const client = await issue(store, 'manager', 'm1'); // new key, cross-signed cert appended
  assert.equal(client.trustRootsPem, bundle);
  const chain = client.certChainPem.split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.includes('BEGIN'));
  assert.equal(chain.length, 2);
  // the interop trap itself: subject = issuer = CN=swarm-ca, no AKI, signed by the old key (spec 2.4)
  const cross = new x509.X509Certificate(chain[1]!);
  assert.equal(cross.subject, 'CN=swarm-ca');
  assert.equal(cross.issuer, 'CN=swarm-ca');
  assert.equal(cross.getExtension(x509.AuthorityKeyIdentifierExtension), null);
  assert.equal(cross.serialNumber, new x509.X509Certificate(newRoot).serialNumber);
  assert.ok(await cross.verify({ publicKey: new x509.X509Certificate(oldRoot).publicKey, signatureOnly: true }));
  assert.ok(!(await cross.verify({ publicKey: cross.publicKey, signatureOnly: true })));

  // a server still on its old-root leaf, trusting old + new: accepts the new chain
  const withBundle = await serve(t, { ...oldLeafServer, trustRootsPem: bundle }, managers);
  const r = await connect(withBundle.port, clientOptions(client, managers));
  assert.ok(r.ok, r.ok ? '' : `${r.error} ${withBundle.refused.join('; ')}`);
  end(r);
  // ... and a peer that has not been renewed yet
  const notRenewed = await connect(withBundle.port, clientOptions({ ...oldLeafServer, trustRootsPem: bundle }, managers));
  assert.ok(notRenewed.ok);
  end(notRenewed);

  // the same server trusting only the old root refuses it, as OpenSSL does
  const oldOnly = await serve(t, { ...oldLeafServer, trustRootsPem: oldRoot }, managers);
  const r2 = await connect(oldOnly.port, clientOptions(client, managers));
  assert.equal(r2.ok, false);
  await until(() => oldOnly.refused.length === 1, 'the refusal');
  assert.match(oldOnly.refused[0]!, /SELF_SIGNED_CERT_IN_CHAIN/);

  // and the other direction: a server on a new-key leaf, a client that trusts old + new
  const newLeafServer = await serve(t, await issue(store, 'manager', 'srv2'), managers);
  const r3 = await connect(newLeafServer.port, clientOptions({ ...oldLeafServer, trustRootsPem: bundle }, managers));
  assert.ok(r3.ok, r3.ok ? '' : r3.message);
  end(r3);
});

test('serverContext / clientContext over https: a manager gets 200, a worker is cut off before any request is read', async (t) => {
  const { store } = await newCa(t);
  const srv = await issue(store, 'manager', 'srv');
  const refused: string[] = [];
  const ctx = serverContext(srv, managers, { onRefused: (r) => refused.push(r) });
  let handled = 0;
  const server = ctx.attach(
    https.createServer(ctx.options, (_req, res) => {
      handled++;
      res.end('hello');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as { port: number }).port;
  const get = (m: MtlsMaterial) =>
    new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', agent: false, ...clientContext(m, managers).options }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      req.end();
    });
  assert.deepEqual(await get(await issue(store, 'manager', 'm1')), { status: 200, body: 'hello' });
  const w = await get(await issue(store, 'worker', 'w1'));
  assert.ok(w.error, 'the worker gets no answer');
  await until(() => refused.length === 1, 'the refusal');
  assert.match(refused[0]!, /role swarm-worker/);
  assert.equal(handled, 1);
});

test('options: TLS 1.2 minimum, AEAD suites, client certificate required; material is checked', async (t) => {
  const { store } = await newCa(t);
  const m = await issue(store, 'manager', 'm1');
  const o = new MtlsCredentials(m, managers).serverOptions();
  assert.equal(o.minVersion, 'TLSv1.2');
  assert.equal(o.ciphers, defaults.tls.ciphers);
  assert.ok(defaults.tls.ciphers.split(':').every((c) => /GCM|CHACHA20-POLY1305/.test(c)));
  assert.equal(o.requestCert, true);
  assert.equal(o.rejectUnauthorized, true);
  assert.equal(secureContextOptions(m).ca, m.trustRootsPem);
  assert.throws(() => new MtlsCredentials({ ...m, trustRootsPem: '' }, managers), { code: 'ERR_MTLS_NO_ROOTS' });
  assert.throws(() => new MtlsCredentials({ ...m, certChainPem: '' }, managers), { code: 'ERR_MTLS_NO_CERT' });
  assert.throws(() => new MtlsCredentials(m, { clusterId: '', allowedRoles: ['swarm-manager'] }), TypeError);
  assert.throws(() => new MtlsCredentials(m, { clusterId: CLUSTER, allowedRoles: [] }), TypeError);
});

test('mtlsFromCa: a logged node certificate with the CA bundle and CRL; a revoked node gets none', async (t) => {
  const { store } = await newCa(t);
  const m = await issue(store, 'worker', 'w1');
  const cert = new X509Certificate(m.certChainPem);
  assert.match(cert.subject, /O=c1/);
  assert.match(cert.subject, /OU=swarm-worker/);
  assert.match(cert.subject, /CN=w1/);
  assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(m.keyPem)));
  assert.equal(m.crl, undefined);
  await revokeCertificate(store, { nodeId: 'w1' }, systemClock);
  await assert.rejects(issue(store, 'worker', 'w1'), { code: 'ERR_CA_NODE_REVOKED' });
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  await signCrl(store, ca.signer, systemClock);
  const m2 = await issue(store, 'swarm-manager', 'm2');
  assert.match(new X509Certificate(m2.certChainPem).subject, /OU=swarm-manager/);
  assert.match(m2.crl!, /BEGIN X509 CRL/);
  // the material is usable as is: the CRL verifies against the bundled roots
  assert.equal(new MtlsCredentials(m2, managers).certificate.serial, m2.serialHex);
});

test('authorizePeer is pure; a CRL must be signed by a trusted CA, and a stale one is still enforced (and logged)', async (t) => {
  const { store } = await newCa(t);
  const other = await newCa(t);
  const m = await issue(store, 'manager', 'm1');
  const cert = new X509Certificate(m.certChainPem);
  assert.deepEqual(authorizePeer(cert, managers), { ok: true, nodeId: 'm1', role: 'swarm-manager', clusterId: CLUSTER, serial: m.serialHex });
  assert.deepEqual(authorizePeer(undefined, managers), { ok: false, reason: 'no client certificate' });
  assert.equal(authorizePeer(cert, { ...managers, isRevoked: (s, n) => s === m.serialHex && n === 'm1' }).ok, false);
  await revokeCertificate(store, { serial: m.serialHex }, systemClock);
  assert.equal(authorizePeer(cert, { ...managers, isRevoked: revocationCheck(await openRevocations(store)) }).ok, false);

  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  const roots = (await import('../../src/core/x509/parse.js')).parseCertificates(Buffer.from(m.trustRootsPem));
  const fresh = crlIndex((await signCrl(store, ca.signer, systemClock)).pem, roots);
  assert.ok(fresh.isRevoked(m.serialHex));
  assert.ok(fresh.isRevoked(`00${m.serialHex.toUpperCase()}`));
  assert.equal(authorizePeer(cert, managers, fresh).ok, false);
  assert.equal(authorizePeer(cert, { ...managers, isRevoked: revocationCheck(fresh) }).ok, false);

  const otherCa = await CertificateAuthority.open(other.store, { passphrase: pass, clock: systemClock });
  const foreignCrl = (await signCrl(other.store, otherCa.signer, systemClock)).pem;
  assert.throws(() => crlIndex(foreignCrl, roots), { code: 'ERR_MTLS_CRL_UNTRUSTED' });
  assert.throws(() => new MtlsCredentials({ ...m, crl: foreignCrl }, managers), { code: 'ERR_MTLS_CRL_UNTRUSTED' });
  const der = Buffer.from(new x509.X509Crl((await signCrl(store, ca.signer, systemClock)).pem).rawData);
  der[der.length - 5]! ^= 0x01; // inside the signature
  assert.throws(() => crlIndex(der, roots), { code: /ERR_MTLS_CRL_(UNTRUSTED|MALFORMED)/ });
  assert.throws(() => crlIndex(Buffer.from('not a crl'), roots), { code: 'ERR_MTLS_CRL_MALFORMED' });

  const stale = (await signCrl(store, ca.signer, fixedClock(Date.now() - defaults.ca.crlValidityMs - 60_000))).pem;
  const logs: string[] = [];
  new MtlsCredentials({ ...m, crl: stale }, managers, { log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /passed its nextUpdate .* still enforced/.test(l)), logs.join('\n'));
  assert.equal(authorizePeer(cert, managers, crlIndex(stale, roots)).ok, false);
});

test('refusal logging is capped per window (a scanner cannot flood the log); onRefused sees every one', async () => {
  const { reporter } = await import('../../src/ca/mtls/guard.js');
  const { REFUSAL_LOG_LIMIT } = await import('../../src/ca/mtls.js');
  let now = Date.parse('2026-01-01T00:00:00Z');
  const logs: string[] = [];
  let seen = 0;
  const r = reporter({ log: (l) => logs.push(l), onRefused: () => seen++, clock: { now: () => new Date(now) } });
  for (let i = 0; i < REFUSAL_LOG_LIMIT.perWindow + 40; i++) r.refuse('no client certificate', '192.0.2.1');
  assert.equal(seen, REFUSAL_LOG_LIMIT.perWindow + 40);
  assert.equal(logs.length, REFUSAL_LOG_LIMIT.perWindow);
  assert.equal(logs[0], 'mtls: refused a connection from 192.0.2.1: no client certificate');
  now += REFUSAL_LOG_LIMIT.windowMs;
  r.refuse('no client certificate', undefined);
  assert.equal(logs[REFUSAL_LOG_LIMIT.perWindow], 'mtls: 40 further refused connections were not logged');
  assert.equal(logs.at(-1), 'mtls: refused a connection from an unknown address: no client certificate');
});

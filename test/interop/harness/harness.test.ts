/**
 * Self-test of the cfssl and openssl helpers and of the isolated-namespace
 * dockerd mode. The dockerd basics are proven by ../dockerd-smoke.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { cfsslCertinfo, cfsslCertinfoAll, cfsslGencert, cfsslInitCa, startCfsslServe } from './cfssl.js';
import { startDockerd, startDockerdInNetns } from './dockerd.js';
import { checks, requireDockerd, requireTool, requireTools } from './interop.js';
import { opensslText, opensslVerify } from './openssl.js';
import { makeTempDir, runCommand } from './process.js';

const SIGNING_CONFIG = {
  signing: {
    default: { expiry: '2160h', usages: ['signing', 'key encipherment', 'server auth', 'client auth'] },
  },
};

test('cfssl initca, gencert and certinfo; openssl text and verify agree', async (t) => {
  if (!(await requireTools(t, { cfssl: checks.cfssl, openssl: checks.openssl }))) return;

  const root = await cfsslInitCa({ CN: 'swarm-ca', key: { algo: 'ecdsa', size: 256 } });
  const leaf = await cfsslGencert({
    csr: { CN: 'node1', key: { algo: 'ecdsa', size: 256 }, names: [{ O: 'cluster1', OU: 'swarm-manager' }] },
    caCert: root.cert,
    caKey: root.key,
    config: SIGNING_CONFIG,
    hostname: 'swarm-manager,node1',
  });

  const info = await cfsslCertinfo(leaf.cert);
  assert.equal(info.subject.common_name, 'node1');
  assert.equal(info.subject.organizational_unit, 'swarm-manager');
  assert.equal(info.issuer.common_name, 'swarm-ca');
  assert.deepEqual(info.sans?.sort(), ['node1', 'swarm-manager']);

  const text = await opensslText(leaf.cert);
  assert.match(text, /Subject: O ?= ?cluster1, OU ?= ?swarm-manager, CN ?= ?node1/);

  const tmp = await makeTempDir();
  const caFile = join(tmp, 'ca.pem');
  const certFile = join(tmp, 'leaf.pem');
  const otherFile = join(tmp, 'other.pem');
  await writeFile(caFile, root.cert);
  await writeFile(certFile, leaf.cert);
  await writeFile(otherFile, (await cfsslInitCa({ CN: 'other', key: { algo: 'ecdsa', size: 256 } })).cert);

  const good = await opensslVerify({ caFile, certFile, purpose: 'sslserver' });
  assert.equal(good.ok, true, good.output);
  const bad = await opensslVerify({ caFile: otherFile, certFile });
  assert.equal(bad.ok, false);
  assert.match(bad.output, /unable to get local issuer certificate/);
});

test('cfssl serve signs a CSR over loopback HTTP', async (t) => {
  if (!(await requireTool(t, 'cfssl', checks.cfssl))) return;

  const root = await cfsslInitCa({ CN: 'swarm-ca', key: { algo: 'ecdsa', size: 256 } });
  const server = await startCfsslServe({ caCert: root.cert, caKey: root.key, config: SIGNING_CONFIG });
  assert.match(server.signUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/cfssl\/sign$/);

  const request = await cfsslGencert({
    csr: { CN: 'node2', key: { algo: 'ecdsa', size: 256 } },
    caCert: root.cert,
    caKey: root.key,
    config: SIGNING_CONFIG,
  });
  const response = await fetch(server.signUrl, { method: 'POST', body: JSON.stringify({ certificate_request: request.csr }) });
  const body = (await response.json()) as { success: boolean; result?: { certificate: string } };
  assert.equal(body.success, true);
  const info = await cfsslCertinfo(body.result?.certificate ?? '');
  assert.equal(info.subject.common_name, 'node2');
  assert.match(await server.logs(), /signed certificate with serial number/);
  await server.stop();
});

test('isolated network namespace: two daemons share one, a worker joins', async (t) => {
  if (!(await requireDockerd(t))) return;

  const manager = await startDockerdInNetns();
  const worker = await startDockerd({ network: { shareWith: manager } });
  assert.equal(manager.network, 'isolated');
  assert.equal(worker.netnsPid, manager.pid);

  const init = await manager.swarmInit();
  const joined = await worker.swarmJoin({ remoteAddr: init.addr, token: init.workerToken });
  assert.equal(joined.clusterId, init.clusterId);

  // The swarm port lives in the namespace only: reachable through inNetns, not from here.
  const [ip, port] = init.addr.split(':');
  const probe = manager.inNetns('bash', ['-c', `exec 3<>/dev/tcp/${ip}/${port}`]);
  assert.equal((await runCommand(probe.command, probe.args)).code, 0);
  assert.equal(await canConnect(ip ?? '', Number(port)), false);
});

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('cfssl serve over HTTPS works as a swarm external CA (spec §11)', async (t) => {
  if (!(await requireDockerd(t)) || !(await requireTool(t, 'cfssl', checks.cfssl))) return;

  const config = {
    signing: {
      ...SIGNING_CONFIG.signing,
      profiles: { CA: { usages: ['cert sign', 'crl sign'], expiry: '43800h', ca_constraint: { is_ca: true } } },
    },
  };
  const root = await cfsslInitCa({ CN: 'swarm-ca', key: { algo: 'ecdsa', size: 256 } });
  const tls = await cfsslGencert({
    csr: { CN: '127.0.0.1', key: { algo: 'ecdsa', size: 256 } },
    caCert: root.cert,
    caKey: root.key,
    config,
    hostname: '127.0.0.1',
  });
  const [daemon, server] = await Promise.all([
    startDockerd(),
    startCfsslServe({ caCert: root.cert, caKey: root.key, config, tls: { cert: tls.cert, key: tls.key } }),
  ]);
  assert.match(server.signUrl, /^https:/);
  await daemon.swarmInit();

  const rootFile = join(daemon.tmp, 'external-root.pem');
  await writeFile(rootFile, root.cert);
  const started = Date.now();
  await daemon.docker(
    ['swarm', 'ca', '--rotate', '--detach=false', '--ca-cert', rootFile, '--external-ca', `protocol=cfssl,url=${server.signUrl},cacert=${rootFile}`],
    { check: true },
  );
  t.diagnostic(`rotation onto cfssl serve took ${Date.now() - started} ms`);

  // After this rotation swarm-node.crt holds more than the leaf (leaf first).
  const chain = await cfsslCertinfoAll(await readFile(daemon.certificates.nodeCert, 'utf8'));
  t.diagnostic(`swarm-node.crt: ${chain.map((c) => `${c.subject.common_name} <- ${c.issuer.common_name}`).join(', ')}`);
  const leaf = chain[0];
  assert.ok(leaf);
  assert.equal(leaf.subject.organizational_unit, 'swarm-manager');
  assert.match(await server.logs(), new RegExp(`signed certificate with serial number ${leaf.serial_number}`));
  assert.equal(await readFile(daemon.certificates.rootCa, 'utf8'), root.cert);
});

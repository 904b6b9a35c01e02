/**
 * `swarmguard ca serve` as a process: flag checks (exit 2), the ready line
 * and JSON document, SIGHUP reloading the CA after `ca rotate` by another
 * process, and a clean stop on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEnvelope } from '../../../src/ca/cfssl/envelope.js';
import { makeCsr } from '../../helpers/csr.js';
import { cliPath, runCli, tempDir } from '../../helpers/env.js';
import { post, swarmkitRequest } from './fixtures.js';

function setup(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir('sg-serve-cli-');
  t.after(cleanup);
  const state = path.join(dir, 'state');
  const pp = path.join(dir, 'pass');
  writeFileSync(pp, 'correct horse battery staple\n', { mode: 0o600 });
  assert.equal(runCli(['--state', state, 'ca', 'init', '--passphrase-file', pp]).code, 0);
  return { dir, state, pp };
}

test('flag mistakes exit 2 with every problem named, before asking for the passphrase', (t) => {
  const { state, pp } = setup(t);
  const r1 = runCli(['--json', '--state', state, 'ca', 'serve', '--listen', '127.0.0.1:0', '--passphrase-file', pp]);
  assert.equal(r1.code, 2);
  assert.match((JSON.parse(r1.stdout) as { error: { message: string } }).error.message, /--client-ca FILE/);
  const r2 = runCli(['--state', state, 'ca', 'serve', '--listen', '0.0.0.0:0', '--insecure-http', '--require-manager']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--require-manager needs TLS.*only on loopback/);
  const r3 = runCli(['--state', state, 'ca', 'serve', '--listen', 'nonsense', '--insecure-no-client-auth']);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /not HOST:PORT/);
  const r5 = runCli(['--state', state, 'ca', 'serve', '--insecure-no-client-auth', '--expiry', '30m']);
  assert.equal(r5.code, 2);
  assert.match(r5.stderr, /minimum of 1h/);
  const r6 = runCli(['--state', state, 'ca', 'serve', '--insecure-no-client-auth', '--verify-threads', 'many']);
  assert.equal(r6.code, 2);
  assert.match(r6.stderr, /--verify-threads must be a whole number/);
  const r7 = runCli(['--state', state, 'ca', 'serve', '--insecure-no-client-auth', '--issue-threads', '65']);
  assert.equal(r7.code, 2);
  assert.match(r7.stderr, /--issue-threads must be a whole number/);
  const r4 = runCli(['--state', state, 'ca', 'serve', '--listen', '127.0.0.1:0', '--insecure-no-client-auth'], { env: { SWARMGUARD_CA_PASSPHRASE: 'wrong passphrase' } });
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /ERR_KEY_PASSPHRASE/);
});

for (const threads of [undefined, 2]) {
test(`serve${threads ? ` --issue-threads ${threads}` : ''}: ready line and one JSON document, SIGHUP picks up a rotation, SIGTERM stops with exit 0`, { timeout: 60_000 }, async (t) => {
  const { state, pp } = setup(t);
  const extra = threads ? ['--issue-threads', String(threads)] : [];
  const child = spawn(process.execPath, [cliPath, '--json', '--state', state, 'ca', 'serve', '--listen', '127.0.0.1:0', '--insecure-no-client-auth', ...extra, '--passphrase-file', pp], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pred: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pred(), `timed out waiting for ${what}; stderr: ${stderr}`);
  };
  await waitFor(() => stdout.includes('}'), 'the JSON document');
  const doc = JSON.parse(stdout) as { url: string; signUrl: string; clientAuth: string; tlsServerCert: string };
  assert.match(doc.signUrl, /^https:\/\/127\.0\.0\.1:\d+\/api\/v1\/cfssl\/sign$/);
  assert.equal(doc.clientAuth, 'none');
  assert.match(stderr, /^listening on https:\/\/127\.0\.0\.1:\d+\/api\/v1\/cfssl\/sign \(/m);
  if (threads) assert.match(stderr, new RegExp(`, ${threads} issuer threads\\)`));
  const root = runCli(['--state', state, 'ca', 'export-root']).stdout;

  const first = parseEnvelope((await post(doc.url, JSON.stringify(swarmkitRequest(makeCsr().pem)), { ca: root })).text);
  assert.equal(first?.success, true);
  const countCerts = (pem: string): number => pem.split('BEGIN CERTIFICATE').length - 1;
  assert.equal(countCerts(first!.result!.certificate), 1);
  const refused = parseEnvelope((await post(doc.url, JSON.stringify(swarmkitRequest(makeCsr({ tamper: true }).pem)), { ca: root })).text);
  assert.equal(refused?.success, false);

  // another process starts a root rotation; after SIGHUP the server signs with the new key
  assert.equal(runCli(['--state', state, 'ca', 'rotate', '--stage', 'start', '--passphrase-file', pp]).code, 0);
  child.kill('SIGHUP');
  await waitFor(() => stderr.includes('SIGHUP: reloaded'), 'the reload');
  const second = parseEnvelope((await post(doc.url, JSON.stringify(swarmkitRequest(makeCsr().pem)), { ca: root })).text);
  assert.equal(second?.success, true);
  const pem = second!.result!.certificate;
  assert.equal(countCerts(pem), 2, 'leaf + the new root cross-signed by the old one');
  const [leafPem, crossPem] = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)!;
  assert.ok(new X509Certificate(crossPem!).verify(new X509Certificate(root).publicKey), 'the chain reaches the old root');
  assert.ok(new X509Certificate(leafPem!).verify(new X509Certificate(crossPem!).publicKey));

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /SIGTERM: stopping; 3 requests, 2 certificates issued, 1 refused/);
  assert.equal(stdout.trim().split('\n').filter((l) => l.startsWith('{')).length, 1, 'exactly one JSON document');
});
}

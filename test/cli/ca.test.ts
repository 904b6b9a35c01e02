import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeCsr } from '../helpers/csr.js';
import { runCli, tempDir } from '../helpers/env.js';

function setup(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const state = path.join(dir, 'state');
  const pp = path.join(dir, 'pass');
  writeFileSync(pp, 'correct horse battery staple\n', { mode: 0o600 });
  const csr = path.join(dir, 'node.csr');
  writeFileSync(csr, makeCsr().pem);
  return { dir, state, pp, csr };
}

test('ca init → issue → export-root: exit codes, one JSON document, a chain openssl-style tools verify', (t) => {
  const { dir, state, pp, csr } = setup(t);
  const init = runCli(['--json', '--state', state, 'ca', 'init', '--passphrase-file', pp, '--cluster-id', 'c1']);
  assert.equal(init.code, 0, init.stderr);
  const doc = JSON.parse(init.stdout) as { created: boolean; clusterId: string; roots: Array<{ subject: string }> };
  assert.equal(doc.created, true);
  assert.equal(doc.clusterId, 'c1');
  assert.equal(doc.roots[0]!.subject, 'CN=swarm-ca');
  assert.equal(statSync(path.join(state, 'ca', 'state.json')).mode & 0o777, 0o600);

  const again = runCli(['--json', '--state', state, 'ca', 'init', '--passphrase-file', pp]);
  assert.equal(again.code, 2);
  assert.equal((JSON.parse(again.stdout) as { error: { code: string } }).error.code, 'ERR_CA_EXISTS');

  const issue = runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n1', '--role', 'manager', '--passphrase-file', pp]);
  assert.equal(issue.code, 0, issue.stderr);
  const leaf = new X509Certificate(issue.stdout);
  assert.equal(leaf.subject, 'O=c1\nOU=swarm-manager\nCN=n1');

  const root = runCli(['--state', state, 'ca', 'export-root']);
  assert.equal(root.code, 0);
  assert.ok(leaf.verify(new X509Certificate(root.stdout).publicKey));
  assert.equal(root.stdout, JSON.parse(readFileSync(path.join(state, 'ca', 'state.json'), 'utf8')).trustRootPem);

  const out = path.join(dir, 'out.pem');
  const toFile = runCli(['--json', '--state', state, 'ca', 'issue', '--csr', '-', '--profile', 'server', '--cn', 'api', '--host', '127.0.0.1', '--out', out], {
    input: makeCsr().pem,
    env: { SWARMGUARD_CA_PASSPHRASE: 'correct horse battery staple' },
  });
  assert.equal(toFile.code, 0, toFile.stderr);
  assert.equal((JSON.parse(toFile.stdout) as { out: string }).out, out);
  assert.match(readFileSync(out, 'utf8'), /BEGIN CERTIFICATE/);
});

test('bad input exits 2 with a stable code and no secret in the output', (t) => {
  const { dir, state, pp, csr } = setup(t);
  assert.equal(runCli(['--state', state, 'ca', 'init', '--passphrase-file', pp]).code, 0);
  const bad = path.join(dir, 'bad.csr');
  writeFileSync(bad, makeCsr({ tamper: true }).pem);
  const r1 = runCli(['--state', state, 'ca', 'issue', '--csr', bad, '--node-id', 'n', '--role', 'worker', '--passphrase-file', pp]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /ERR_CSR_SIGNATURE/);
  const wrong = path.join(dir, 'wrong');
  writeFileSync(wrong, 'not the passphrase at all');
  const r2 = runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--node-id', 'n', '--role', 'worker', '--passphrase-file', wrong]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /ERR_KEY_PASSPHRASE/);
  assert.doesNotMatch(r2.stderr + r2.stdout, /not the passphrase/);
  const r3 = runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--role', 'king', '--node-id', 'n', '--passphrase-file', pp]);
  assert.equal(r3.code, 2);
  const r4 = runCli(['--state', state, 'ca', 'issue', '--csr', path.join(dir, 'missing.csr'), '--role', 'worker', '--node-id', 'n', '--passphrase-file', pp]);
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /ERR_CLI_READ/);
  const r5 = runCli(['--state', state, 'ca', 'issue', '--csr', csr, '--role', 'worker', '--node-id', 'n']);
  assert.equal(r5.code, 2);
  assert.match(r5.stderr, /ERR_CLI_SECRET_MISSING/);
  const r6 = runCli(['--state', path.join(dir, 'nothing'), 'ca', 'export-root']);
  assert.equal(r6.code, 2);
  assert.match(r6.stderr, /ERR_CA_NOT_INITIALIZED/);
  const r7 = runCli(['ca', 'frobnicate']);
  assert.equal(r7.code, 2);
});

test('start: without a passphrase source it creates nothing and says how; with one it creates, then reuses', (t) => {
  const { state, pp } = setup(t);
  const none = runCli(['--json', '--state', state, 'start']);
  assert.equal(none.code, 0, none.stderr);
  assert.equal((JSON.parse(none.stdout) as { ca: unknown }).ca, null);
  const first = runCli(['--json', '--state', state, 'start', '--passphrase-file', pp]);
  assert.equal(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout) as { created: boolean; ca: { clusterId: string } };
  assert.equal(a.created, true);
  const second = runCli(['--json', '--state', state, 'start']);
  const b = JSON.parse(second.stdout) as { created: boolean; ca: { clusterId: string } };
  assert.equal(b.created, false);
  assert.equal(b.ca.clusterId, a.ca.clusterId);
  const human = runCli(['--state', state, 'start']);
  assert.match(human.stdout, /next steps/);
});

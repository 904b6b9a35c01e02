import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toPem } from '../../src/core/pem.js';
import { caExts, ecKey, ext, KU, leafExts, makeCert, pki, repoRoot } from '../core/x509/fixtures.js';

const MAIN = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const AT = '2026-01-01T00:00:00Z';

function workspace(t: { after: (f: () => void) => void }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'swarmguard-cert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const cli = (args: string[]): { code: number; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [MAIN, '--state', path.join(dir, 'state'), ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return { dir, write, cli };
}

function files(write: (n: string, c: string | Buffer) => string) {
  const p = pki();
  return {
    root: write('root.pem', toPem('CERTIFICATE', p.root)),
    chain: write('chain.pem', toPem('CERTIFICATE', p.leaf) + toPem('CERTIFICATE', p.inter)),
    leaf: write('leaf.der', p.leaf),
    inter: write('inter.pem', toPem('CERTIFICATE', p.inter)),
  };
}

/** Exactly one JSON document on stdout. */
function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

test('cert verify: valid chain exits 0 (human and --json)', (t) => {
  const { write, cli } = workspace(t);
  const f = files(write);
  const human = cli(['cert', 'verify', '--ca', f.root, f.chain, '--at', AT, '--purpose', 'server', '--host', 'node.example.com']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^OK: CN=node chains to a trusted root \(3 certificates\)/);
  const j = cli(['--json', 'cert', 'verify', '--ca', f.root, f.chain, '--at', AT]);
  assert.equal(j.code, 0, j.stderr);
  const doc = json(j.stdout);
  assert.equal(doc.valid, true);
  assert.equal((doc.chain as unknown[]).length, 3);
  // --json after the verb works too; intermediates from --untrusted; DER leaf
  const u = cli(['cert', 'verify', '--json', '--ca', f.root, f.leaf, '--untrusted', f.inter, '--at', AT]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(json(u.stdout).valid, true);
});

test('cert verify: an invalid chain exits 1 and says why', (t) => {
  const { write, cli } = workspace(t);
  const f = files(write);
  const expired = cli(['--json', 'cert', 'verify', '--ca', f.root, f.chain, '--at', '2031-01-01T00:00:00Z']);
  assert.equal(expired.code, 1);
  const doc = json(expired.stdout);
  assert.equal(doc.valid, false);
  assert.equal(doc.code, 'ERR_X509_EXPIRED');
  assert.match(String(doc.reason), /expired/);
  const noInter = cli(['cert', 'verify', '--ca', f.root, f.leaf, '--at', AT]);
  assert.equal(noInter.code, 1);
  assert.match(noInter.stdout, /^INVALID: ERR_X509_UNKNOWN_ISSUER: /);
  const host = cli(['--json', 'cert', 'verify', '--ca', f.root, f.chain, '--at', AT, '--host', 'other.example.com']);
  assert.equal(host.code, 1);
  assert.equal(json(host.stdout).code, 'ERR_X509_HOST_MISMATCH');
  // --at in epoch seconds; the leaf's EKU allows clientAuth
  const client = cli(['--json', 'cert', 'verify', '--ca', f.root, f.chain, '--at', '1767225600', '--purpose', 'client']);
  assert.equal(client.code, 0, client.stdout);
});

test('cert verify: unreadable or malformed input and bad flags exit 2', (t) => {
  const { write, cli, dir } = workspace(t);
  const f = files(write);
  const missing = cli(['--json', 'cert', 'verify', '--ca', path.join(dir, 'nope.pem'), f.chain]);
  assert.equal(missing.code, 2);
  assert.equal((json(missing.stdout).error as { code: string }).code, 'ERR_CLI_READ');
  const junk = write('junk.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const malformed = cli(['--json', 'cert', 'verify', '--ca', f.root, junk]);
  assert.equal(malformed.code, 2);
  assert.equal((json(malformed.stdout).error as { code: string }).code, 'ERR_X509_MALFORMED');
  assert.match(malformed.stderr, /ERR_X509_MALFORMED/);
  assert.equal(cli(['cert', 'verify', '--ca', f.root, f.chain, '--purpose', 'email']).code, 2);
  assert.equal(cli(['cert', 'verify', '--ca', f.root, f.chain, '--at', 'yesterday']).code, 2);
  assert.equal(cli(['cert', 'verify', '--ca', f.root, f.chain, '--host', 'bad host']).code, 2);
  assert.equal(cli(['cert', 'verify', f.chain]).code, 2);
});

test('cert verify: SwarmKit rotation chain [leaf][cross-signed] against the old root only', (t) => {
  const { write, cli } = workspace(t);
  const oldKey = ecKey(0);
  const newKey = ecKey(1);
  const oldRoot = makeCert({ subject: 'swarm-ca', key: oldKey, extensions: caExts(oldKey) });
  // spec 2.4: subject == issuer == CN=swarm-ca, no AKI, signed by the old key
  const cross = makeCert({ subject: 'swarm-ca', key: newKey, signer: oldKey, serial: 2, extensions: caExts(newKey) });
  const leaf = makeCert({ subject: 'node1', issuer: 'swarm-ca', key: ecKey(2), signer: newKey, extensions: leafExts(ecKey(2), newKey, ['swarm-manager']) });
  const ca = write('old-root.pem', toPem('CERTIFICATE', oldRoot));
  const node = write('swarm-node.crt', toPem('CERTIFICATE', leaf) + toPem('CERTIFICATE', cross));
  const r = cli(['--json', 'cert', 'verify', '--ca', ca, node, '--at', AT, '--purpose', 'server', '--host', 'swarm-manager']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((json(r.stdout).chain as unknown[]).length, 3);
  const inspect = cli(['--json', 'cert', 'inspect', node]);
  const certs = json(inspect.stdout).certificates as Array<{ selfSigned: boolean; selfIssued: boolean }>;
  assert.deepEqual(certs.map((c) => [c.selfIssued, c.selfSigned]), [
    [false, false],
    [true, false],
  ]);
});

test('cert inspect: one JSON document, or human text; unreadable input exits 2', (t) => {
  const { write, cli, dir } = workspace(t);
  const f = files(write);
  const j = cli(['--json', 'cert', 'inspect', f.chain]);
  assert.equal(j.code, 0, j.stderr);
  const certs = json(j.stdout).certificates as Array<{ subject: string; subjectAltNames: string[]; fingerprintSha256: string }>;
  assert.deepEqual(certs.map((c) => c.subject), ['CN=node', 'CN=Test Intermediate']);
  assert.deepEqual(certs[0]!.subjectAltNames, ['DNS:node.example.com']);
  const h = cli(['cert', 'inspect', f.root]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /self-signed: +yes/);
  assert.match(h.stdout, /key usage: +keyCertSign, cRLSign/);
  const ku = write('ku.pem', toPem('CERTIFICATE', makeCert({ subject: 'x', key: ecKey(3), extensions: [ext.ku([KU.digitalSignature])] })));
  assert.equal(cli(['cert', 'inspect', ku]).code, 0);
  assert.equal(cli(['cert', 'inspect', path.join(dir, 'missing.pem')]).code, 2);
});

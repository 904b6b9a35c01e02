/**
 * The token and unlock-key commands as a user runs them: exit codes (0 ok,
 * 1 no, 2 bad input), one JSON document with --json, and no token, secret or
 * unlock key in stderr. Rotation runs against a fake Engine API on a unix socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { cliPath, runCli, tempDir, type CliResult } from '../helpers/env.js';
import { createJoinToken } from '../../src/tokens/join-token.js';
import { formatUnlockKey } from '../../src/tokens/unlock-key.js';
import { makeLockedNodeKey, makeNodeCert, makeRoot, makeUnlockedNodeKey } from '../tokens/fixtures.js';

function setup(t: { after: (f: () => void) => void }) {
  const { dir, cleanup } = tempDir('sg-tok-');
  t.after(cleanup);
  const root = makeRoot();
  const rootFile = path.join(dir, 'root.pem');
  writeFileSync(rootFile, root.pem);
  const otherFile = path.join(dir, 'other.pem');
  writeFileSync(otherFile, makeRoot().pem);
  return { dir, root, rootFile, otherFile, state: path.join(dir, 'state') };
}

function noSecrets(r: CliResult, ...secrets: string[]): void {
  for (const s of secrets) assert.ok(!r.stderr.includes(s), `stderr leaks a secret: ${r.stderr}`);
}

test('token create → verify: 0 on match, 1 on another root (naming the expected digest), 2 on malformed', (t) => {
  const { rootFile, otherFile } = setup(t);
  const created = runCli(['token', 'create', '--ca', rootFile, '--role', 'worker']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  const secret = token.split('-')[3]!;
  assert.equal(created.stderr, '');

  const ok = runCli(['token', 'verify', '--ca', rootFile], { input: token + '\n' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(!ok.stdout.includes(secret));

  const other = runCli(['--json', 'token', 'verify', '--ca', otherFile, '-'], { input: token });
  assert.equal(other.code, 1);
  const doc = JSON.parse(other.stdout) as { match: boolean; expectedRootDigest: string; fingerprint: string };
  assert.equal(doc.match, false);
  assert.match(doc.expectedRootDigest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(!other.stdout.includes(secret));

  const bad = runCli(['--json', 'token', 'verify', '--ca', rootFile], { input: token.slice(0, -1) });
  assert.equal(bad.code, 2);
  const err = JSON.parse(bad.stdout) as { error: { code: string; details: { part: string } } };
  assert.equal(err.error.code, 'ERR_TOKEN_MALFORMED');
  assert.equal(err.error.details.part, 'secret');
  noSecrets(bad, secret.slice(0, -1), token.slice(0, -1));

  const fips = runCli(['token', 'create', '--ca', rootFile, '--role', 'manager', '--fips']);
  assert.match(fips.stdout, /^SWMTKN-2-1-/);
  assert.equal(runCli(['token', 'create', '--ca', rootFile, '--role', 'admin']).code, 2);
  assert.equal(runCli(['token', 'verify', '--ca', rootFile]).code, 2, 'no token at all');
  const noRoot = runCli(['token', 'verify', '--ca', path.join(rootFile, 'missing')], { input: token });
  assert.equal(noRoot.code, 2);
  const tokenFile = path.join(path.dirname(rootFile), 'tok');
  writeFileSync(tokenFile, token + '\n');
  assert.equal(runCli(['token', 'verify', '--ca', rootFile, '--token-file', tokenFile]).code, 0);
});

test('token inspect: parts with the secret redacted', (t) => {
  const { root, rootFile } = setup(t);
  const token = createJoinToken(root.pem);
  const r = runCli(['--json', 'token', 'inspect', '--ca', rootFile], { input: token });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { secret: { value: string }; root: { match: boolean } };
  assert.equal(doc.secret.value, '[redacted]');
  assert.equal(doc.root.match, true);
  assert.ok(!r.stdout.includes(token.split('-')[3]!));
});

test('unlock-key verify: 0 opens, 1 wrong key or wrong certificate, 2 malformed key; autolock off reported', (t) => {
  const { dir } = setup(t);
  const f = makeLockedNodeKey();
  const keyFile = path.join(dir, 'swarm-node.key');
  const certFile = path.join(dir, 'swarm-node.crt');
  writeFileSync(keyFile, f.pem);
  writeFileSync(certFile, makeNodeCert(f.key).toString());
  const ok = runCli(['--json', 'unlock-key', 'verify', '--node-key', keyFile, '--node-cert', certFile], { input: f.unlockKey + '\n' });
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { status: string; deks: Array<{ bytes: number }>; certificate: { matchesKey: boolean } };
  assert.equal(doc.status, 'opens');
  assert.equal(doc.deks[0]!.bytes, 32);
  assert.equal(doc.certificate.matchesKey, true);
  assert.ok(!ok.stdout.includes(f.unlockKey));

  const wrongKey = formatUnlockKey(randomBytes(32));
  const wrong = runCli(['unlock-key', 'verify', '--node-key', keyFile], { input: wrongKey });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /WRONG KEY/);
  noSecrets(wrong, wrongKey);

  const otherCert = path.join(dir, 'other.crt');
  writeFileSync(otherCert, makeNodeCert(makeLockedNodeKey().key).toString());
  assert.equal(runCli(['unlock-key', 'verify', '--node-key', keyFile, '--node-cert', otherCert], { input: f.unlockKey }).code, 1);

  const malformed = runCli(['--json', 'unlock-key', 'verify', '--node-key', keyFile], { input: f.unlockKey + '=' });
  assert.equal(malformed.code, 2);
  assert.equal((JSON.parse(malformed.stdout) as { error: { code: string } }).error.code, 'ERR_UNLOCK_KEY_MALFORMED');
  noSecrets(malformed, f.unlockKey);
  assert.equal(runCli(['unlock-key', 'verify', '--node-key', keyFile]).code, 2, 'encrypted key, no unlock key');

  const plain = makeUnlockedNodeKey();
  const plainFile = path.join(dir, 'plain.key');
  writeFileSync(plainFile, plain.pem);
  const off = runCli(['--json', 'unlock-key', 'verify', '--node-key', plainFile]);
  assert.equal(off.code, 0, off.stderr);
  assert.equal((JSON.parse(off.stdout) as { status: string; autolock: boolean }).status, 'autolock-off');
});

test('unlock-key rekey: new key opens the output (0600, atomic), old one does not; --generate prints the key on stdout only', (t) => {
  const { dir } = setup(t);
  const f = makeLockedNodeKey({ kekVersion: 3 });
  const keyFile = path.join(dir, 'swarm-node.key');
  writeFileSync(keyFile, f.pem);
  const oldFile = path.join(dir, 'old');
  const newFile = path.join(dir, 'new');
  writeFileSync(oldFile, f.unlockKey + '\n');
  const newKey = formatUnlockKey(randomBytes(32));
  writeFileSync(newFile, newKey + '\n');
  const out = path.join(dir, 'out.key');
  const r = runCli(['unlock-key', 'rekey', '--node-key', keyFile, '--out', out, '--key-file', oldFile, '--new-key-file', newFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  noSecrets(r, f.unlockKey, newKey);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.match(readFileSync(out, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\nkek-version: 3\nraft-dek: /);
  assert.equal(runCli(['unlock-key', 'verify', '--node-key', out, '--key-file', newFile]).code, 0);
  assert.equal(runCli(['unlock-key', 'verify', '--node-key', out, '--key-file', oldFile]).code, 1);
  assert.equal(runCli(['unlock-key', 'rekey', '--node-key', keyFile, '--out', out, '--key-file', oldFile, '--new-key-file', newFile]).code, 2, 'refuses to overwrite');
  const wrong = runCli(['unlock-key', 'rekey', '--node-key', keyFile, '--out', path.join(dir, 'x.key'), '--key-file', newFile, '--new-key-file', oldFile]);
  assert.equal(wrong.code, 1, 'wrong old key');

  const gen = runCli(['unlock-key', 'rekey', '--node-key', keyFile, '--out', path.join(dir, 'gen.key'), '--key-file', oldFile, '--generate']);
  assert.equal(gen.code, 0, gen.stderr);
  const generated = gen.stdout.trim();
  assert.match(generated, /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
  noSecrets(gen, generated);
  assert.equal(runCli(['unlock-key', 'verify', '--node-key', path.join(dir, 'gen.key')], { input: generated }).code, 0);
});

// ------------------------------------------------------------------ fake Engine API

interface FakeSwarm {
  index: number;
  worker: string;
  manager: string;
  unlock: string;
  autolock: boolean;
  root: string;
  updates: string[];
}

function fakeEngine(sock: string, s: FakeSwarm): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://docker');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/swarm') {
        return send(200, { ID: 'cluster1', Version: { Index: s.index }, Spec: { Name: 'default', EncryptionConfig: { AutoLockManagers: s.autolock } }, JoinTokens: { Worker: s.worker, Manager: s.manager }, TLSInfo: { TrustRoot: s.root } });
      }
      if (req.method === 'GET' && url.pathname === '/swarm/unlockkey') return send(200, { UnlockKey: s.autolock ? s.unlock : '' });
      if (req.method === 'POST' && url.pathname === '/swarm/update') {
        if (Number(url.searchParams.get('version')) !== s.index) return send(500, { message: 'update out of sequence' });
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        s.index++;
        s.updates.push(url.search);
        if (url.searchParams.get('rotateWorkerToken') === 'true') s.worker = createJoinToken(s.root);
        if (url.searchParams.get('rotateManagerToken') === 'true') s.manager = createJoinToken(s.root);
        if (url.searchParams.get('rotateManagerUnlockKey') === 'true') s.unlock = formatUnlockKey(randomBytes(32));
        res.writeHead(200);
        return res.end();
      }
      send(404, { message: 'page not found' });
    });
  });
  return new Promise((resolve) => server.listen(sock, () => resolve(server)));
}

function runCliAsync(args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.SWARMGUARD_STATE;
    const child = spawn(process.execPath, [cliPath, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('token rotate and inspect --engine against a fake Engine API: ages, current role, stale tokens exit 1', async (t) => {
  const { dir, root, state } = setup(t);
  const sock = path.join(dir, 'docker.sock');
  const s: FakeSwarm = { index: 10, worker: createJoinToken(root.pem), manager: createJoinToken(root.pem), unlock: formatUnlockKey(randomBytes(32)), autolock: true, root: root.pem, updates: [] };
  const server = await fakeEngine(sock, s);
  t.after(() => server.close());
  const engine = `unix://${sock}`;
  const oldWorker = s.worker;

  const cur = await runCliAsync(['--json', '--state', state, 'token', 'inspect', '--engine', engine], s.manager);
  assert.equal(cur.code, 0, cur.stderr);
  assert.equal((JSON.parse(cur.stdout) as { swarm: { currentRole: string } }).swarm.currentRole, 'manager');

  const rot = await runCliAsync(['--json', '--state', state, 'token', 'rotate', '--engine', engine, '--role', 'worker']);
  assert.equal(rot.code, 0, rot.stderr);
  const doc = JSON.parse(rot.stdout) as { previous: string; current: string; ages: Record<string, { firstSeen: string; fingerprint: string }> };
  assert.deepEqual(s.updates, ['?version=10&rotateWorkerToken=true']);
  assert.notEqual(doc.previous, doc.current);
  assert.equal(doc.ages.worker!.fingerprint, doc.current);
  assert.ok(!rot.stdout.includes(s.worker) && !rot.stdout.includes(oldWorker));
  const ledger = readFileSync(path.join(state, 'tokens', 'seen.json'), 'utf8');
  assert.ok(!ledger.includes(s.worker.split('-')[3]!) && !ledger.includes(oldWorker.split('-')[3]!), 'the ledger holds digests only');
  assert.equal(statSync(path.join(state, 'tokens', 'seen.json')).mode & 0o777, 0o600);

  const stale = await runCliAsync(['--json', '--state', state, 'token', 'inspect', '--engine', engine], oldWorker);
  assert.equal(stale.code, 1);
  assert.equal((JSON.parse(stale.stdout) as { swarm: { currentRole: null } }).swarm.currentRole, null);

  const fresh = await runCliAsync(['--json', '--state', state, 'token', 'inspect', '--engine', engine], s.worker);
  assert.equal(fresh.code, 0);
  assert.ok((JSON.parse(fresh.stdout) as { swarm: { age: { firstSeen: string } } }).swarm.age.firstSeen);

  const oldUnlock = s.unlock;
  const ul = await runCliAsync(['unlock-key', 'rotate', '--engine', engine]);
  assert.equal(ul.code, 0, ul.stderr);
  assert.equal(ul.stdout.trim(), s.unlock);
  assert.notEqual(s.unlock, oldUnlock);
  assert.ok(!ul.stderr.includes(s.unlock));

  s.autolock = false;
  const off = await runCliAsync(['--json', 'unlock-key', 'rotate', '--engine', engine]);
  assert.equal(off.code, 3);
  assert.equal((JSON.parse(off.stdout) as { error: { code: string } }).error.code, 'ERR_UNLOCK_AUTOLOCK_OFF');
  const down = await runCliAsync(['unlock-key', 'rotate', '--engine', `unix://${dir}/nothing.sock`]);
  assert.equal(down.code, 3);
});

test('token scoped + token broker as processes: one hand-out for a single-use token, then the real token is rotated', async (t) => {
  const { dir, root, state } = setup(t);
  const sock = path.join(dir, 'docker.sock');
  const s: FakeSwarm = { index: 1, worker: createJoinToken(root.pem), manager: createJoinToken(root.pem), unlock: formatUnlockKey(randomBytes(32)), autolock: false, root: root.pem, updates: [] };
  const server = await fakeEngine(sock, s);
  t.after(() => server.close());
  const issued = await runCliAsync(['--json', '--state', state, 'token', 'scoped', '--role', 'worker', '--ttl', '10m', '--node', 'n1']);
  assert.equal(issued.code, 0, issued.stderr);
  const { token, uses } = JSON.parse(issued.stdout) as { token: string; uses: number };
  assert.equal(uses, 1);
  assert.equal((await runCliAsync(['token', 'scoped', '--role', 'worker', '--uses', 'x'])).code, 2);

  const env = { ...process.env };
  delete env.SWARMGUARD_STATE;
  const child = spawn(process.execPath, [cliPath, '--state', state, 'token', 'broker', '--engine', `unix://${sock}`, '--rotate-grace', '0s'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${stderr}`)), 15_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const workerBefore = s.worker;
  const call = () => fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ node: 'n1' }) });
  const [a, b] = await Promise.all([call(), call()]);
  assert.deepEqual([a.status, b.status].sort(), [200, 410]);
  const ok = (await (a.status === 200 ? a : b).json()) as { token: string };
  assert.equal(ok.token, workerBefore);
  await new Promise((r) => setTimeout(r, 500));
  assert.notEqual(s.worker, workerBefore, 'rotated after the grace period');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(!stderr.includes(token) && !stderr.includes(workerBefore) && !stderr.includes(s.worker), 'the broker never logs tokens');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileStore, resolveStateDir, writeFileAtomic } from '../../src/store/file-store.js';
import { repoRoot, tempDir } from '../helpers/env.js';

test('writes are private (0600 files, 0700 dirs) and readable back', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new FileStore(path.join(dir, 'state'));
  await store.write('ca/keys/a.pem', 'secret');
  assert.equal((await store.read('ca/keys/a.pem'))?.toString(), 'secret');
  assert.equal(statSync(path.join(dir, 'state', 'ca', 'keys', 'a.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(path.join(dir, 'state', 'ca')).mode & 0o777, 0o700);
  assert.equal(await store.read('ca/missing.json'), undefined);
  assert.deepEqual(await store.list('ca'), ['ca/keys/a.pem']);
  await store.delete('ca/keys/a.pem');
  assert.equal(await store.read('ca/keys/a.pem'), undefined);
});

test('a replaced file never shows a mix and leaves no temp files', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const f = path.join(dir, 'x.json');
  await writeFileAtomic(f, 'a'.repeat(100_000));
  await writeFileAtomic(f, 'b'.repeat(10));
  assert.equal(readFileSync(f, 'utf8'), 'b'.repeat(10));
  assert.deepEqual(readdirSync(dir), ['x.json']);
});

test('keys that could escape the store are refused', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new FileStore(dir);
  for (const bad of ['../x', 'a/../../b', '/etc/passwd', '', 'a//b', '.hidden', 'a/./b']) {
    await assert.rejects(store.write(bad, 'x'), TypeError, bad);
  }
});

test('state directory resolution: flag, then $SWARMGUARD_STATE, then ~/.swarmguard', () => {
  assert.equal(resolveStateDir('/a/b', { SWARMGUARD_STATE: '/c' }), '/a/b');
  assert.equal(resolveStateDir(undefined, { SWARMGUARD_STATE: '/c' }), '/c');
  assert.match(resolveStateDir(undefined, {}), /\.swarmguard$/);
});

test('the lock excludes other processes: 2 x 40 read-modify-write increments lose none', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const script = `
    import { FileStore } from ${JSON.stringify(path.join(repoRoot, 'dist/src/store/file-store.js'))};
    const s = new FileStore(${JSON.stringify(dir)});
    for (let i = 0; i < 40; i++) await s.withLock(async () => {
      const n = Number((await s.read('n'))?.toString() ?? '0');
      await new Promise((r) => setImmediate(r));
      await s.write('n', String(n + 1));
    });`;
  const run = () =>
    new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
      p.on('exit', (c) => resolve(c ?? -1));
    });
  const codes = await Promise.all([run(), run()]);
  assert.deepEqual(codes, [0, 0]);
  assert.equal((await new FileStore(dir).read('n'))?.toString(), '80');
  assert.equal(existsSync(path.join(dir, '.lock')), false);
});

test('a lock left by a dead process is broken; a live holder times out the waiter', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  writeFileSync(path.join(dir, '.lock'), '2147483646 0 dead');
  const store = new FileStore(dir, { lockTimeoutMs: 300 });
  assert.equal(await store.withLock(async () => 'ran'), 'ran');
  writeFileSync(path.join(dir, '.lock'), `${process.pid} 0 alive`);
  await assert.rejects(store.withLock(async () => 'x'), { code: 'ERR_STATE_LOCKED' });
});

test('append: concurrent records all land, one per line, in a 0600 file', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new FileStore(dir);
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.append('log/x.jsonl', JSON.stringify({ i }) + '\n')));
  await store.close();
  const lines = (await store.read('log/x.jsonl'))!.toString().trim().split('\n');
  assert.equal(lines.length, 200);
  assert.deepEqual(new Set(lines.map((l) => (JSON.parse(l) as { i: number }).i)).size, 200);
  assert.equal(statSync(path.join(dir, 'log', 'x.jsonl')).mode & 0o777, 0o600);
});

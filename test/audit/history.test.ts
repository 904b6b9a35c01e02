/**
 * Rotation history (SW-10, SW-12): advancing with an injected clock, the file
 * store round trip (0600, atomic, one file per cluster), the snapshot
 * round trip (history.json), and the parser under fuzzing.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { advanceHistory, attachHistory, historyKey, parseHistory, readHistory, recordHistory } from '../../src/audit/history.js';
import { loadSnapshot, writeSnapshot } from '../../src/audit/load.js';
import { evaluatePolicy } from '../../src/audit/evaluate.js';
import { loadPolicy } from '../../src/audit/policy.js';
import { HISTORY_FORMAT, sha256Hex } from '../../src/audit/snapshot.js';
import { isSwarmguardError } from '../../src/errors.js';
import { FileStore } from '../../src/store/file-store.js';
import { tempDir } from '../helpers/env.js';
import { snap } from './helpers.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (d: number) => new Date(T0.getTime() + d * 86_400_000);
const tok = (c: string) => `SWMTKN-1-${'5'.repeat(50)}-${c.repeat(25)}`;
const swarm = (w: string, key?: string) => ({ ID: 'abc123', JoinTokens: { Worker: w, Manager: tok('m') }, ...(key ? { UnlockKey: key } : {}), Spec: { EncryptionConfig: { AutoLockManagers: Boolean(key) } } });

test('advanceHistory: same value moves lastSeen, a new value is appended with its first-seen time, series are capped', () => {
  const h0 = advanceHistory(undefined, 'c', { 'worker-token': 'a'.repeat(64) }, at(0));
  assert.equal(h0.since, at(0).toISOString());
  const h1 = advanceHistory(h0, 'c', { 'worker-token': 'a'.repeat(64) }, at(3));
  assert.deepEqual(h1.series['worker-token'], [{ sha256: 'a'.repeat(64), firstSeen: at(0).toISOString(), lastSeen: at(3).toISOString() }]);
  const h2 = advanceHistory(h1, 'c', { 'worker-token': 'b'.repeat(64) }, at(5));
  assert.deepEqual(h2.series['worker-token'].map((e) => [e.sha256[0], e.firstSeen]), [['a', at(0).toISOString()], ['b', at(5).toISOString()]]);
  assert.deepEqual(h2.series['unlock-key'], []);
  // another cluster starts afresh
  assert.equal(advanceHistory(h2, 'other', {}, at(6)).series['worker-token'].length, 0);
  let h = h2;
  for (let i = 0; i < 100; i++) h = advanceHistory(h, 'c', { 'worker-token': sha256Hex(String(i)) }, at(10 + i));
  assert.equal(h.series['worker-token'].length, 32);
  assert.equal(h.series['worker-token'].at(-1)!.sha256, sha256Hex('99'));
});

test('recordHistory: file store, 0600, only fingerprints; a rotation resets the SW-10 age (injected clock)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = new FileStore(path.join(dir, 'state'));
    const key = 'SWMKEY-1-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq';
    const policy = await loadPolicy();
    const audit = async (w: string, day: number) => {
      const s = snap({ swarm: swarm(w, key), services: [], configs: [] });
      await attachHistory(store, s.facts, at(day));
      return evaluatePolicy(s, policy, at(day)).findings;
    };
    const find = (fs: Awaited<ReturnType<typeof audit>>, rule: string, id: string) => fs.find((f) => f.rule === rule && f.target.id === id)!;
    let fs = await audit(tok('a'), 0);
    assert.equal(find(fs, 'sw-10', 'join-token-worker').status, 'unknown', 'first sighting: age unknown');
    assert.equal(find(fs, 'sw-12', 'unlock-key').status, 'unknown');
    assert.equal(find(fs, 'cis-7.6', 'unlock-key').status, 'unknown');
    fs = await audit(tok('a'), 100);
    assert.equal(find(fs, 'sw-10', 'join-token-worker').status, 'fail', 'at least 100 days old');
    assert.equal(find(fs, 'sw-12', 'unlock-key').status, 'fail');
    fs = await audit(tok('b'), 101);
    assert.equal(find(fs, 'sw-10', 'join-token-worker').status, 'pass', 'rotation observed: age 0');
    fs = await audit(tok('b'), 200);
    assert.equal(find(fs, 'sw-10', 'join-token-worker').status, 'fail');
    assert.equal(find(fs, 'sw-10', 'join-token-worker').severity, 'medium');
    const file = path.join(store.location, historyKey('abc123'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    for (const secret of [tok('a'), tok('b'), key]) assert.ok(!text.includes(secret) && !text.includes(secret.slice(-20)));
    assert.ok(text.includes(sha256Hex(key)));
    const h = (await readHistory(store, 'abc123'))!;
    assert.equal(h.series['worker-token'].length, 2);
    assert.equal(h.series['worker-token'][1]!.firstSeen, at(101).toISOString());
    // no swarm ID: nothing recorded
    assert.equal(await recordHistory(store, snap({ info: {} }).facts, at(1)), undefined);
  } finally {
    cleanup();
  }
});

test('snapshot round trip keeps the history; a snapshot without history.json reports unknown', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = new FileStore(path.join(dir, 'state'));
    const s = snap({ swarm: swarm(tok('a')), services: [], configs: [] });
    await attachHistory(store, s.facts, at(0));
    const out = path.join(dir, 'snap');
    const files = await writeSnapshot(out, s);
    assert.ok(files.some((f) => f.endsWith('history.json')));
    assert.equal(statSync(path.join(out, 'history.json')).mode & 0o777, 0o600);
    const back = await loadSnapshot(out);
    assert.deepEqual(back.facts.history, s.facts.history);
    writeFileSync(path.join(out, 'history.json'), '{"format":"nope"}');
    await assert.rejects(loadSnapshot(out), (e: unknown) => isSwarmguardError(e) && e.code === 'ERR_AUDIT_HISTORY_INVALID' && /\/format/.test(e.message) && /\/cluster/.test(e.message));
    const { rmSync } = await import('node:fs');
    rmSync(path.join(out, 'history.json'));
    const bare = await loadSnapshot(out);
    assert.ok(bare.facts.history && 'unavailable' in bare.facts.history);
    const f = evaluatePolicy(bare, await loadPolicy(), at(0)).findings.find((x) => x.rule === 'sw-10')!;
    assert.equal(f.status, 'unknown');
    assert.match(f.message, /history/);
  } finally {
    cleanup();
  }
});

test('parseHistory: every bad field at once; fuzzed input gives a value or a typed error, never a crash', () => {
  const good = advanceHistory(undefined, 'c', { 'unlock-key': 'c'.repeat(64) }, T0);
  assert.deepEqual(parseHistory(JSON.parse(JSON.stringify(good)), 'x'), good);
  try {
    parseHistory({ format: HISTORY_FORMAT, cluster: '', since: 'never', series: { 'worker-token': [{ sha256: 'zz' }] } }, 'x');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isSwarmguardError(e) && e.code === 'ERR_AUDIT_HISTORY_INVALID');
    assert.match((e as Error).message, /\/cluster.*\/since.*\/series\/worker-token\/0/);
  }
  const check = (doc: unknown) => {
    try {
      const h = parseHistory(doc, 'fuzz');
      assert.equal(h.format, HISTORY_FORMAT);
    } catch (e) {
      assert.ok(isSwarmguardError(e) && e.code === 'ERR_AUDIT_HISTORY_INVALID', String(e));
    }
  };
  fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 });
  // mutations of a valid document
  const entry = fc.record({ sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()), firstSeen: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()), lastSeen: fc.string() });
  fc.assert(
    fc.property(fc.record({ format: fc.constantFrom(HISTORY_FORMAT, 'x'), cluster: fc.string(), since: fc.string(), series: fc.dictionary(fc.constantFrom('worker-token', 'manager-token', 'unlock-key', 'other'), fc.oneof(fc.array(entry), fc.jsonValue())) }, { requiredKeys: [] }), check),
    { numRuns: 500 },
  );
});

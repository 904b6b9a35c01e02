/**
 * Reports are written in pieces (a 4,700-node swarm's JSON is ~200 MB): the pieces must
 * join to exactly what JSON.stringify(doc, null, 2) prints, and writing them must honour
 * backpressure and fail (not hang) on a broken sink.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { batched, LazyItems, prettyJsonChunks, writeChunks } from '../../../src/audit/report/chunks.js';
import { renderReport, reportChunks } from '../../../src/audit/report/index.js';
import { evaluatePolicy } from '../../../src/audit/evaluate.js';
import { loadPolicy } from '../../../src/audit/policy.js';
import { loadSnapshot } from '../../../src/audit/load.js';
import * as path from 'node:path';
import { fixtures } from '../helpers.js';

const join = (it: Iterable<string>): string => [...it].join('');

test('prettyJsonChunks: the same bytes as JSON.stringify(v, null, 2) for any JSON value and depth', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (v, maxDepth) => {
      assert.equal(join(prettyJsonChunks(v, 0, maxDepth)), JSON.stringify(v, null, 2));
    }),
    { numRuns: 500 },
  );
});

test('prettyJsonChunks: long arrays are streamed item by item; undefined members as JSON.stringify has them', () => {
  const doc = {
    a: undefined,
    findings: Array.from({ length: 200 }, (_, i) => ({ rule: `r-${i}`, msg: 'line\nbreak "quoted" \u2028', n: i, nested: { x: [1, [2, {}], []], y: null } })),
    sparse: [1, undefined, () => 1, 'x'],
    empty: { k: undefined },
    runs: [{ results: Array.from({ length: 70 }, (_, i) => ({ i, t: [i] })) }],
  };
  const pieces = [...prettyJsonChunks(doc)];
  assert.equal(pieces.join(''), JSON.stringify(doc, null, 2));
  // one piece per finding at least: nothing the size of the whole array
  assert.ok(pieces.length > 200 + 70, `${pieces.length} pieces`);
  assert.ok(Math.max(...pieces.map((p) => p.length)) < 400);
});

test('batched: joins pieces into bounded batches without losing or reordering any', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (pieces, size) => {
      const out = [...batched(pieces, size)];
      assert.equal(out.join(''), pieces.join(''));
      for (const b of out.slice(0, -1)) assert.ok(b.length >= size);
      for (const b of out) assert.ok(b.length > 0);
    }),
  );
});

test('writeChunks: waits for drain on a slow sink, and rejects on a failing one', async () => {
  const got: string[] = [];
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk.toString());
      setImmediate(cb);
    },
  });
  const pieces = Array.from({ length: 3000 }, (_, i) => `piece ${i} ${'x'.repeat(1000)}\n`);
  await writeChunks(slow, pieces);
  assert.equal(got.join(''), pieces.join(''));

  const broken = new Writable({
    highWaterMark: 16,
    write(_chunk, _enc, cb) {
      setImmediate(() => cb(new Error('EPIPE')));
    },
  });
  broken.on('error', () => {});
  await assert.rejects(writeChunks(broken, pieces), /EPIPE/);
});

test('every reporter: renderReport equals the joined pieces, and json is JSON.stringify of the document', async () => {
  const policy = await loadPolicy();
  const result = evaluatePolicy(await loadSnapshot(path.join(fixtures, 'valid_raw_api')), policy, new Date('2026-06-01T00:00:00Z'));
  for (const format of ['text', 'json', 'sarif', 'junit']) {
    const input = { result, rules: policy.rules, color: false };
    assert.equal(renderReport(format, input), join(reportChunks(format, input)), format);
  }
  const json = renderReport('json', { result, rules: policy.rules, color: false });
  assert.equal(json, JSON.stringify({ source: result.source, evaluatedAt: result.evaluatedAt, findings: result.findings, summary: result.summary }, null, 2) + '\n');
  assert.throws(() => reportChunks('yaml', { result, rules: policy.rules, color: false }), { code: 'ERR_AUDIT_REPORT_FORMAT' });
});

test('LazyItems: written as the array of its items, at any depth, each item built when written', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 90 }), fc.integer({ min: 0, max: 8 }), (items, maxDepth) => {
      const built: number[] = [];
      const lazy = new LazyItems(items.length, (i) => {
        built.push(i);
        return items[i];
      });
      const doc = { a: [{ b: { results: lazy } }] };
      const want = JSON.stringify({ a: [{ b: { results: items.map((x) => (x === undefined ? null : x)) } }] }, null, 2);
      assert.equal(join(prettyJsonChunks(doc, 0, maxDepth)), want);
      assert.equal(built.length, items.length);
    }),
    { numRuns: 300 },
  );
});

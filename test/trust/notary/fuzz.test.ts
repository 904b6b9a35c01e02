/**
 * Robustness: any single-byte change to any served file is either refused
 * with a TrustError or leaves the answer unchanged (e.g. the case of a
 * signature method, which Go lower-cases too); random bytes never make the
 * parser throw anything but a TrustError.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { fixedClock } from '../../../src/core/clock.js';
import { TrustError } from '../../../src/trust/errors.js';
import { parseJson } from '../../../src/trust/notary/json.js';
import { parseRoot, parseSnapshot, parseTargets, parseTimestamp } from '../../../src/trust/notary/metadata.js';
import { DirectorySource } from '../../../src/trust/notary/source-dir.js';
import { verifyNotaryTag } from '../../../src/trust/notary/verify.js';
import { buildRepo, certKey, newKey, targetMeta, writeRepo } from '../helpers/notary-repo.js';

const GUN = 'example.com/fuzz/repo';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('single-byte mutations of every file: refused with a TrustError, or the same answer', async () => {
  const repo = buildRepo({
    gun: GUN,
    rootKeys: [certKey({ cn: GUN })],
    targetsKey: newKey('rsa'),
    targets: { v1: targetMeta('a') },
    delegations: [{ name: 'targets/releases', keys: [newKey('ed25519')], targets: { v1: targetMeta('b') } }],
  });
  const run = async (files: Map<string, Buffer>): Promise<string> => {
    const dir = writeRepo(mkdtempSync(path.join(tmpdir(), 'sg-fuzz-')), files);
    dirs.push(dir);
    try {
      const r = await verifyNotaryTag({ gun: GUN, tag: 'v1', source: new DirectorySource(dir), pin: { kind: 'tofu' }, clock: fixedClock(new Date()) });
      return `OK ${r.digest} ${r.role}`;
    } catch (e) {
      assert.ok(e instanceof TrustError, `not a TrustError: ${(e as Error).stack}`);
      return e.code;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const honest = await run(repo.files);
  assert.match(honest, /^OK .* targets\/releases$/);
  const names = [...repo.files.keys()];
  let seed = 0x5eed;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 250; i++) {
    const name = names[rnd(names.length)]!;
    const bytes = Buffer.from(repo.files.get(name)!);
    const at = rnd(bytes.length);
    const old = bytes[at]!;
    bytes[at] = (old + 1 + rnd(255)) & 0xff;
    const files = new Map(repo.files);
    files.set(name, bytes);
    const r = await run(files);
    if (r.startsWith('OK')) assert.equal(r, honest, `${name}[${at}] ${String.fromCharCode(old)}→${String.fromCharCode(bytes[at]!)} changed the answer`);
    outcomes.set(r.split(' ')[0]!, (outcomes.get(r.split(' ')[0]!) ?? 0) + 1);
  }
  assert.ok((outcomes.get('OK') ?? 0) < 25, JSON.stringify([...outcomes]));
});

test('random bytes and random JSON: parsers throw TrustError or return', () => {
  const parsers = [
    (b: Buffer) => parseJson(b, 'x'),
    (b: Buffer) => parseRoot(b),
    (b: Buffer) => parseTargets(b, 'targets'),
    (b: Buffer) => parseSnapshot(b),
    (b: Buffer) => parseTimestamp(b),
  ];
  const check = (b: Buffer): void => {
    for (const p of parsers) {
      try {
        p(b);
      } catch (e) {
        assert.ok(e instanceof TrustError, `not a TrustError: ${(e as Error).stack}`);
      }
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (a) => check(Buffer.from(a))), { numRuns: 300 });
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      check(Buffer.from(JSON.stringify(v)));
      check(Buffer.from(JSON.stringify({ signed: v, signatures: [] })));
      check(Buffer.from(JSON.stringify({ signed: { _type: 'Targets', version: 1, expires: '2030-01-01T00:00:00Z', targets: v, delegations: v }, signatures: [] })));
    }),
    { numRuns: 300 },
  );
});

/**
 * tuf-conformance's static repositories (corpora tuf-conformance-static/:
 * sigstore-root-signing with roots v1..v12, tuf-on-ci 0.11) through our TUF
 * path: from `initial_root.json` at `faketime`, look up `targetpath`, fetch
 * the target under its served name and check its length and hashes. Then
 * refusals derived from the same files (copies in a temp dir, altered one
 * way each), every expected code worked out from the metadata itself.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { fixedClock, systemClock, type Clock } from '../../src/core/clock.js';
import { isTrustError } from '../../src/trust/errors.js';
import { parseJson, type JsonValue } from '../../src/trust/notary/json.js';
import { checkTufTargetBytes, tufTargetFileNames } from '../../src/trust/tuf/target.js';
import { validateTufMetadata } from '../../src/trust/tuf/validate.js';
import { TufDirectorySource, verifyTufTarget, type TufVerification } from '../../src/trust/tuf/verify.js';
import { corporaDir, hasCorpora, NO_CORPORA } from '../helpers/env.js';

const BASE = path.join(corporaDir, 'tuf-conformance-static');
const tmps: string[] = [];
after(() => tmps.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sg-tufc-'));
  tmps.push(d);
  return d;
}

interface Repo {
  name: string;
  dir: string;
  initialRoot: Buffer;
  targetPath: string;
  clock: Clock;
  /** The served root versions (N.root.json), ascending. */
  roots: number[];
  consistentSnapshot: boolean;
}

function repos(): Repo[] {
  if (!hasCorpora) return [];
  return readdirSync(BASE, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(BASE, e.name, 'initial_root.json')))
    .map((e) => {
      const dir = path.join(BASE, e.name);
      const faketime = path.join(dir, 'faketime');
      const initialRoot = readFileSync(path.join(dir, 'initial_root.json'));
      const roots = readdirSync(path.join(dir, 'metadata'))
        .map((f) => /^(\d+)\.root\.json$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      return {
        name: e.name,
        dir,
        initialRoot,
        targetPath: readFileSync(path.join(dir, 'targetpath'), 'utf8').trim(),
        // "2025-02-09 12:02:08+00:00": ISO 8601 with a space, as the corpus writes it.
        clock: existsSync(faketime) ? fixedClock(new Date(readFileSync(faketime, 'utf8').trim().replace(' ', 'T'))) : systemClock,
        roots,
        consistentSnapshot: (json(initialRoot) as { signed: { consistent_snapshot?: boolean } }).signed.consistent_snapshot === true,
      };
    });
}

function json(b: Buffer): JsonValue {
  return JSON.parse(b.toString('utf8')) as JsonValue;
}

/** A writable copy of a repository's metadata directory. */
function copyMetadata(r: Repo): string {
  const d = path.join(tmp(), 'metadata');
  cpSync(path.join(r.dir, 'metadata'), d, { recursive: true });
  return d;
}

function verify(r: Repo, o: { metadata?: string; root?: Buffer; clock?: Clock } = {}): Promise<TufVerification> {
  const metadata = o.metadata ?? path.join(r.dir, 'metadata');
  return verifyTufTarget({ repository: r.name, source: new TufDirectorySource(metadata), metadataDir: path.join(tmp(), 'client'), trustedRoot: o.root ?? r.initialRoot, clock: o.clock ?? r.clock }, r.targetPath);
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
}

/** The metadata file a role's trusted version was read from. */
function fileOf(r: Repo, role: string, version: number): string {
  if (role === 'root') return `${version}.root.json`;
  if (role === 'timestamp') return 'timestamp.json';
  return r.consistentSnapshot ? `${version}.${encodeURIComponent(role)}.json` : `${encodeURIComponent(role)}.json`;
}

function signedOf(file: string): Record<string, unknown> {
  return (json(readFileSync(file)) as { signed: Record<string, unknown> }).signed;
}

/** Change one digit of the first `"expires"` year in the raw text (same length, still a later valid date). */
function bumpExpiresYear(text: string): string {
  return text.replace(/("expires"\s*:\s*"\d{3})(\d)/, (_m, head: string, d: string) => `${head}${d === '9' ? '8' : String(Number(d) + 1)}`);
}

describe('tuf-conformance static repositories', { skip: hasCorpora ? false : NO_CORPORA }, () => {
  const all = repos();

  test('both documented repositories are present', () => {
    assert.deepEqual(all.map((r) => r.name).sort(), ['sigstore-root-signing', 'tuf-on-ci-0.11']);
  });

  for (const r of all) {
    describe(r.name, () => {
      test('from initial_root.json at faketime: the target verifies and its served bytes match length and hashes', async () => {
        const v = await verify(r);
        assert.equal(v.format, 'tuf-1.0');
        assert.equal(v.versions.root, r.roots.at(-1), 'ends on the newest served root');
        const names = tufTargetFileNames(r.targetPath, v.hashes, r.consistentSnapshot);
        assert.ok(names.length > 0);
        for (const n of names) checkTufTargetBytes(v, readFileSync(path.join(r.dir, 'targets', n)));
        // The role that answered lists the target (delegations followed as tuf-js does).
        const targets = signedOf(path.join(r.dir, 'metadata', fileOf(r, v.role, v.versions[v.role]!))).targets as Record<string, unknown>;
        assert.ok(Object.prototype.hasOwnProperty.call(targets, r.targetPath));
      });

      test('every served root as the trusted root reaches the same final state', async () => {
        const want = (await verify(r)).versions;
        for (const n of r.roots) {
          const v = await verify(r, { root: readFileSync(path.join(r.dir, 'metadata', `${n}.root.json`)) });
          assert.deepEqual(v.versions, want, `from ${n}.root.json`);
        }
      });

      test('expiry: valid one second before the earliest expiry of the files used, ERR_TRUST_EXPIRED at it', async () => {
        const v = await verify(r);
        const expiries = Object.entries(v.versions).map(([role, ver]) => Date.parse(signedOf(path.join(r.dir, 'metadata', fileOf(r, role, ver))).expires as string));
        const first = Math.min(...expiries);
        assert.equal(await code(verify(r, { clock: fixedClock(first - 1000) })), 'OK');
        assert.equal(await code(verify(r, { clock: fixedClock(first) })), 'ERR_TRUST_EXPIRED');
      });

      test('target bytes: one bit flipped, one byte more, one byte less → refused', async () => {
        const v = await verify(r);
        const good = readFileSync(path.join(r.dir, 'targets', tufTargetFileNames(r.targetPath, v.hashes, r.consistentSnapshot)[0]!));
        const flipped = Buffer.from(good);
        flipped[flipped.length >> 1]! ^= 0x01;
        assert.equal(await code(() => checkTufTargetBytes(v, flipped)), 'ERR_TRUST_MIX_AND_MATCH');
        assert.equal(await code(() => checkTufTargetBytes(v, Buffer.concat([good, Buffer.from('\n')]))), 'ERR_TRUST_TOO_LARGE');
        assert.equal(await code(() => checkTufTargetBytes(v, good.subarray(0, good.length - 1))), 'ERR_TRUST_MIX_AND_MATCH');
        assert.equal(await code(() => checkTufTargetBytes({ ...v, hashes: { sha256: 'XY' } }, good)), 'ERR_TRUST_MALFORMED');
      });

      test('a target path the repository does not list → ERR_TRUST_NOT_SIGNED', async () => {
        const v = verifyTufTarget({ repository: r.name, source: new TufDirectorySource(path.join(r.dir, 'metadata')), metadataDir: path.join(tmp(), 'client'), trustedRoot: r.initialRoot, clock: r.clock }, `${r.targetPath}.absent`);
        assert.equal(await code(v), 'ERR_TRUST_NOT_SIGNED');
      });

      test('each metadata file used, truncated to half → ERR_TRUST_MALFORMED; a duplicated key → ERR_TRUST_NON_CANONICAL; absent → ERR_TRUST_NO_DATA', async () => {
        const v = await verify(r);
        const files = Object.entries(v.versions)
          .filter(([role]) => role !== 'root')
          .map(([role, ver]) => fileOf(r, role, ver));
        assert.ok(files.includes('timestamp.json'));
        for (const f of files) {
          const good = readFileSync(path.join(r.dir, 'metadata', f));
          const m1 = copyMetadata(r);
          writeFileSync(path.join(m1, f), good.subarray(0, good.length >> 1));
          assert.equal(await code(verify(r, { metadata: m1 })), 'ERR_TRUST_MALFORMED', `${f} truncated`);
          const m2 = copyMetadata(r);
          writeFileSync(path.join(m2, f), good.toString('utf8').replace('{', '{"signatures": [],'));
          assert.equal(await code(verify(r, { metadata: m2 })), 'ERR_TRUST_NON_CANONICAL', `${f} with "signatures" twice`);
          const m3 = copyMetadata(r);
          unlinkSync(path.join(m3, f));
          assert.equal(await code(verify(r, { metadata: m3 })), 'ERR_TRUST_NO_DATA', `${f} absent`);
        }
      });

      test('signed data altered (same length) → ERR_TRUST_THRESHOLD, or ERR_TRUST_MIX_AND_MATCH where the parent lists hashes', async () => {
        const v = await verify(r);
        const meta = signedOf(path.join(r.dir, 'metadata', 'timestamp.json')).meta as Record<string, { hashes?: unknown }>;
        const snapMeta = signedOf(path.join(r.dir, 'metadata', fileOf(r, 'snapshot', v.versions.snapshot!))).meta as Record<string, { hashes?: unknown }>;
        const cases: Array<[string, boolean]> = [
          ['timestamp.json', false],
          [fileOf(r, 'snapshot', v.versions.snapshot!), meta['snapshot.json']?.hashes !== undefined],
          [fileOf(r, 'targets', v.versions.targets!), snapMeta['targets.json']?.hashes !== undefined],
        ];
        for (const [f, hashed] of cases) {
          const m = copyMetadata(r);
          const text = readFileSync(path.join(m, f), 'utf8');
          const altered = bumpExpiresYear(text);
          assert.notEqual(altered, text);
          assert.equal(altered.length, text.length);
          writeFileSync(path.join(m, f), altered);
          assert.equal(await code(verify(r, { metadata: m })), hashed ? 'ERR_TRUST_MIX_AND_MATCH' : 'ERR_TRUST_THRESHOLD', f);
        }
      });

      test('every signature of timestamp.json with one hex digit changed → ERR_TRUST_THRESHOLD', async () => {
        const m = copyMetadata(r);
        const md = json(readFileSync(path.join(m, 'timestamp.json'))) as { signatures: Array<{ sig: string }> };
        for (const s of md.signatures) if (s.sig.length > 0) s.sig = (s.sig[0] === '0' ? '1' : '0') + s.sig.slice(1);
        writeFileSync(path.join(m, 'timestamp.json'), JSON.stringify(md));
        assert.equal(await code(verify(r, { metadata: m })), 'ERR_TRUST_THRESHOLD');
      });

      test('another role served as timestamp.json → ERR_TRUST_ROLE_CONFUSION', async () => {
        const v = await verify(r);
        const m = copyMetadata(r);
        cpSync(path.join(m, fileOf(r, 'snapshot', v.versions.snapshot!)), path.join(m, 'timestamp.json'));
        assert.equal(await code(verify(r, { metadata: m })), 'ERR_TRUST_ROLE_CONFUSION');
      });

      test('the next root served is a copy of the trusted one → ERR_TRUST_ROOT_ROTATION; of the oldest → refused', async () => {
        const newest = r.roots.at(-1)!;
        const served = (n: number): string => {
          const m = copyMetadata(r);
          cpSync(path.join(m, `${n}.root.json`), path.join(m, `${newest + 1}.root.json`));
          return m;
        };
        const trusted = readFileSync(path.join(r.dir, 'metadata', `${newest}.root.json`));
        // Signed by the trusted keys, so only the version is wrong (spec §5.3.5).
        assert.equal(await code(verify(r, { metadata: served(newest), root: trusted })), 'ERR_TRUST_ROOT_ROTATION');
        if (r.roots[0] !== newest) {
          // Signatures are checked before the version (§5.3.4): an old root fails whichever its signers are.
          const c = await code(verify(r, { metadata: served(r.roots[0]!), root: trusted }));
          assert.ok(['ERR_TRUST_THRESHOLD', 'ERR_TRUST_ROOT_ROTATION'].includes(c), c);
        }
      });

      test("the other repository's root as the trust anchor → ERR_TRUST_THRESHOLD", async () => {
        // Its keys signed neither this repository's next root nor its timestamp.
        const other = all.find((o) => o !== r)!;
        assert.equal(await code(verify(r, { root: other.initialRoot })), 'ERR_TRUST_THRESHOLD');
      });
    });
  }
});

describe('TUF pre-validation fuzz', () => {
  const value: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;
  const field = fc.constantFrom('_type', 'spec_version', 'version', 'expires', 'meta', 'roles', 'keys', 'delegations', 'targets', 'paths', 'path_hash_prefixes', 'succinct_roles', 'name', 'hashes', 'snapshot.json');
  const loose: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, value, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(field, tie('v'), { maxKeys: 5 })),
  })).v;

  test('random JSON: validateTufMetadata returns or throws a trust error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(loose, loose.map((signed) => ({ signed, signatures: [] }) as JsonValue)), (j) => {
        try {
          validateTufMetadata(j, 'fuzz');
        } catch (e) {
          assert.ok(isTrustError(e), String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  /** Well-formed documents of every type, then one field (at any depth) replaced by random JSON or removed. */
  const base = { spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z' };
  const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ab' } };
  const templates: JsonValue[] = [
    { _type: 'root', ...base, consistent_snapshot: true, keys: { k: key }, roles: Object.fromEntries(['root', 'snapshot', 'targets', 'timestamp'].map((n) => [n, { keyids: ['k'], threshold: 1 }])) },
    { _type: 'timestamp', ...base, meta: { 'snapshot.json': { version: 1, length: 1, hashes: { sha256: 'ab' } } } },
    { _type: 'snapshot', ...base, meta: { 'targets.json': { version: 1 } } },
    { _type: 'targets', ...base, targets: {}, delegations: { keys: { k: key }, roles: [{ name: 'a', keyids: ['k'], threshold: 1, terminating: false, paths: ['x/*'] }] } },
    { _type: 'targets', ...base, targets: {}, delegations: { keys: { k: key }, succinct_roles: { keyids: ['k'], threshold: 1, bit_length: 8, name_prefix: 'bin' } } },
  ];
  function mutate(v: JsonValue, pick: number, repl: JsonValue | undefined): JsonValue {
    const nodes: Array<{ parent: Record<string, JsonValue> | JsonValue[]; key: string | number }> = [];
    const copy = JSON.parse(JSON.stringify(v)) as JsonValue;
    const walk = (n: JsonValue): void => {
      if (Array.isArray(n)) n.forEach((c, i) => (nodes.push({ parent: n, key: i }), walk(c)));
      else if (n && typeof n === 'object') for (const [k, c] of Object.entries(n)) (nodes.push({ parent: n as Record<string, JsonValue>, key: k }), walk(c));
    };
    walk(copy);
    const at = nodes[pick % nodes.length]!;
    if (repl === undefined && !Array.isArray(at.parent)) delete at.parent[at.key as string];
    else (at.parent as Record<string | number, JsonValue>)[at.key] = repl ?? null;
    return copy;
  }

  test('well-formed documents with one field changed: the checks return or throw a trust error', () => {
    fc.assert(
      fc.property(fc.nat(templates.length - 1), fc.nat(), fc.option(value, { nil: undefined }), (t, pick, repl) => {
        const doc = { signed: mutate(templates[t]!, pick, repl), signatures: [] };
        try {
          validateTufMetadata(doc, 'fuzz');
        } catch (e) {
          assert.ok(isTrustError(e), String(e));
        }
      }),
      { numRuns: 3000 },
    );
    // The templates themselves pass: the fuzz starts from accepted documents.
    for (const t of templates) validateTufMetadata({ signed: t, signatures: [] }, 'template');
  });

  test('random bytes through the strict parser and the checks: only trust errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string().map((s) => new TextEncoder().encode(s))), (b) => {
        try {
          validateTufMetadata(parseJson(b, 'fuzz'), 'fuzz');
        } catch (e) {
          assert.ok(isTrustError(e), String(e));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

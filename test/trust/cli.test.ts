/**
 * `swarmguard trust verify|inspect` as a user runs them: exit codes (0 signed,
 * 1 refused with its code, 2 bad input), one JSON document with --json, the
 * trust cache across runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { corporaDir, hasCorpora, NO_CORPORA, runCli } from '../helpers/env.js';
import { buildRepo, certKey, expiresIn, newKey, targetMeta, writeRepo } from './helpers/notary-repo.js';

const GUN = 'registry.example:5000/team/app';
const tmps: string[] = [];
after(() => tmps.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sg-trust-cli-'));
  tmps.push(d);
  return d;
}

const V1 = targetMeta('{"schemaVersion":2}');
const sha = (m: unknown): string => Buffer.from((m as { hashes: { sha256: string } }).hashes.sha256, 'base64').toString('hex');

describe('trust verify', () => {
  const rel = certKey({ cn: 'alice' });
  const repo = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/releases', keys: [rel], targets: { v2: V1 } }, { name: 'targets/bob', keys: [newKey('rsa')], targets: { only: V1 } }] });
  const dir = writeRepo(tmp(), repo.files);

  test('--tofu: exit 0, JSON with gun, tag, digest, length, role, signers; recorded; later runs use the cache', () => {
    const state = tmp();
    const r = runCli(['--state', state, '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v2', '--tofu']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(doc.gun, GUN);
    assert.equal(doc.tag, 'v2');
    assert.equal(doc.digest, `sha256:${sha(V1)}`);
    assert.equal(doc.length, 19);
    assert.equal(doc.role, 'targets/releases');
    assert.equal(doc.anchor, 'tofu');
    assert.deepEqual((doc.signers as Array<{ keyId: string; name: string }>).map((s) => [s.keyId, s.name]), [[rel.id, 'alice']]);
    const again = runCli(['--state', state, '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { anchor: string }).anchor, 'cache');
  });

  test('IMAGE gives GUN and tag; human output names digest, role and signer', () => {
    const r = runCli(['--state', tmp(), 'trust', 'verify', `${GUN}:v2`, '--offline', dir, '--tofu']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${GUN}:v2 → sha256:${sha(V1)} \\(19 bytes\\)`));
    assert.match(r.stdout, /signed in targets\/releases by .*\(alice\)/);
  });

  test('--registry and token-auth flags: bad combinations and malformed credentials are exit 2, before any network use', () => {
    const base = ['--state', tmp(), '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1', '--tofu'];
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--registry-ca', '/nonexistent'], {}, 'ERR_TRUST_USAGE'],
      [['--registry-auth-file', '/nonexistent'], {}, 'ERR_TRUST_USAGE'],
      [['--registry', 'http://127.0.0.1:1'], {}, 'ERR_TRUST_USAGE'],
      [['--registry', 'not a url'], {}, 'ERR_TRUST_USAGE'],
      [['--registry', 'https://127.0.0.1:1'], { SWARMGUARD_REGISTRY_AUTH: 'no-colon' }, 'ERR_TRUST_INPUT'],
      [['--auth-file', '/nonexistent'], {}, 'ERR_TRUST_USAGE'],
    ];
    for (const [extra, env, code] of cases) {
      const r = runCli([...base, ...extra], { env });
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, code, extra.join(' '));
    }
  });

  test('--registry with offline trust data: an unreachable registry is exit 3 after the signature checks passed', () => {
    const r = runCli(['--state', tmp(), '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1', '--tofu', '--registry', 'https://127.0.0.1:1', '--timeout', '3000']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_NETWORK');
  });

  test('refusals exit 1 with their code: no anchor, role confusion, not signed, pin mismatch, expired', () => {
    const state = tmp();
    const cases: Array<[string[], string]> = [
      [['--tag', 'v1'], 'ERR_TRUST_NO_ANCHOR'],
      [['--tag', 'only', '--tofu'], 'ERR_TRUST_ROLE_CONFUSION'],
      [['--tag', 'nope', '--tofu', '--no-cache'], 'ERR_TRUST_NOT_SIGNED'],
      [['--tag', 'v1', '--root-key-id', 'a'.repeat(64)], 'ERR_TRUST_PIN_MISMATCH'],
      [['--tag', 'v1', '--tofu', '--no-cache', '--at', new Date(Date.now() + 20 * 86_400_000).toISOString()], 'ERR_TRUST_EXPIRED'],
    ];
    for (const [args, code] of cases) {
      const r = runCli(['--state', state, '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, ...args]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, code, r.stdout);
      assert.match(r.stderr, new RegExp(code));
    }
  });

  test('bad input exits 2: missing directory, two anchors, bad key ID, bad --at, no GUN, digest reference', () => {
    const cases: string[][] = [
      ['--offline', path.join(dir, 'nope'), '--gun', GUN, '--tofu'],
      ['--offline', dir, '--gun', GUN, '--tofu', '--root-key-id', 'a'.repeat(64)],
      ['--offline', dir, '--gun', GUN, '--root-key-id', 'xyz'],
      ['--offline', dir, '--gun', GUN, '--tofu', '--at', 'yesterday'],
      ['--offline', dir, '--tofu'],
      [`${GUN}@sha256:${'0'.repeat(64)}`, '--offline', dir, '--tofu'],
      ['--offline', dir, '--gun', GUN, '--tofu', '--server', 'https://x'],
    ];
    for (const args of cases) {
      const r = runCli(['--state', tmp(), 'trust', 'verify', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('trust inspect', () => {
  test('roles, keys, thresholds, targets, horizon; warns before expiry; unpinned says how to pin', () => {
    const repo = buildRepo({
      gun: GUN,
      rootKeys: [certKey({ cn: GUN, notAfter: new Date(Date.now() + 60 * 86_400_000) })],
      expires: { targets: expiresIn(10) },
      targets: { v1: V1 },
      delegations: [{ name: 'targets/releases', keys: [newKey()], paths: ['v'], targets: { v2: V1 } }],
    });
    const dir = writeRepo(tmp(), repo.files);
    const r = runCli(['--state', tmp(), '--json', 'trust', 'inspect', '--offline', dir, '--gun', GUN]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      anchor: string;
      roles: Array<{ name: string; threshold: number; keys: unknown[]; paths?: string[] }>;
      targets: Array<{ name: string; role: string }>;
      horizon: unknown[];
      warnings: string[];
    };
    assert.equal(doc.anchor, 'none');
    assert.deepEqual(doc.roles.map((x) => x.name), ['root', 'targets', 'targets/releases', 'snapshot', 'timestamp']);
    assert.deepEqual(doc.roles.find((x) => x.name === 'targets/releases')!.paths, ['v']);
    assert.deepEqual(doc.targets.map((t) => `${t.name}@${t.role}`).sort(), ['v1@targets', 'v2@targets/releases']);
    assert.ok(doc.horizon.length >= 6);
    assert.ok(doc.warnings.some((w) => w.includes(`--root-key-id ${repo.spec.rootKeys[0]!.id}`)), doc.warnings.join('\n'));
    assert.ok(doc.warnings.some((w) => w.startsWith('targets expires')), doc.warnings.join('\n'));
    assert.ok(doc.warnings.some((w) => w.includes('root certificate')), doc.warnings.join('\n'));
    const human = runCli(['--state', tmp(), 'trust', 'inspect', '--offline', dir, '--gun', GUN]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /expiry horizon:/);
  });

  test('the upstream notary0.3 repository at 2017', { skip: hasCorpora ? false : NO_CORPORA }, () => {
    const dir = path.join(corporaDir, 'notary/compatibility/notary0.3/tuf/docker.com/notary0.3/tst/metadata');
    const r = runCli(['--state', tmp(), '--json', 'trust', 'inspect', '--offline', dir, '--gun', 'docker.com/notary0.3/tst', '--at', '2017-01-01']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { targets: unknown[] }).targets.length, 3);
  });
});

describe('trust forget', () => {
  test('drops the cached root: the next run needs an anchor again', () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const dir = writeRepo(tmp(), repo.files);
    const state = tmp();
    assert.equal(runCli(['--state', state, 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1', '--tofu']).code, 0);
    assert.equal(runCli(['--state', state, 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1']).code, 0);
    const f = runCli(['--state', state, '--json', 'trust', 'forget', GUN]);
    assert.equal(f.code, 0, f.stderr);
    assert.equal((JSON.parse(f.stdout) as { forgotten: boolean }).forgotten, true);
    const r = runCli(['--state', state, '--json', 'trust', 'verify', '--offline', dir, '--gun', GUN, '--tag', 'v1']);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_NO_ANCHOR');
  });
});

describe('trust tuf-verify', { skip: hasCorpora ? false : NO_CORPORA }, () => {
  test('first contact with --root, then the cached state; expiry and a missing anchor refused', () => {
    const m = path.join(corporaDir, 'tough/tuf-reference-impl/metadata');
    const state = tmp();
    const first = runCli(['--state', state, '--json', 'trust', 'tuf-verify', '--offline', m, '--target', 'file3.txt', '--root', path.join(m, '1.root.json'), '--at', '2026-01-01']);
    assert.equal(first.code, 0, first.stderr);
    const doc = JSON.parse(first.stdout) as { format: string; role: string; length: number; digest: string };
    assert.deepEqual([doc.format, doc.role, doc.length], ['tuf-1.0', 'role1', 28]);
    assert.equal(runCli(['--state', state, 'trust', 'tuf-verify', '--offline', m, '--target', 'file1.txt', '--at', '2026-01-01']).code, 0);
    const expired = runCli(['--state', state, '--json', 'trust', 'tuf-verify', '--offline', m, '--target', 'file1.txt', '--at', '2031-01-01']);
    assert.equal(expired.code, 1);
    assert.equal((JSON.parse(expired.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_EXPIRED');
    const noRoot = runCli(['--state', tmp(), '--json', 'trust', 'tuf-verify', '--offline', m, '--target', 'file1.txt']);
    assert.equal((JSON.parse(noRoot.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_NO_ANCHOR');
    assert.equal(runCli(['--state', tmp(), 'trust', 'tuf-verify', '--target', 'x']).code, 2);
  });
});

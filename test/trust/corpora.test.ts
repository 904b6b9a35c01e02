/**
 * The Notary trust data of the upstream compatibility fixtures (notary 0.1
 * and 0.3 client trust dirs, corpora/notary): every role verifies, every key
 * ID recomputes, the releases delegation verifies, the targets match the
 * upstream README, and one-byte tampers are refused.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../../src/core/clock.js';
import { computeKeyId } from '../../src/trust/notary/keys.js';
import { listTargets } from '../../src/trust/notary/lookup.js';
import { parseRoot, parseTargets } from '../../src/trust/notary/metadata.js';
import { DirectorySource } from '../../src/trust/notary/source-dir.js';
import { verifyNotaryRepository, verifyNotaryTag } from '../../src/trust/notary/verify.js';
import { corporaDir, hasCorpora, NO_CORPORA } from '../helpers/env.js';

const C = path.join(corporaDir, 'notary', 'compatibility');
const REPOS = [
  { name: 'notary0.1', gun: 'docker.com/notary0.1/samplerepo', dir: path.join(C, 'notary0.1/tuf/docker.com/notary0.1/samplerepo/metadata'), delegations: [] as string[] },
  { name: 'notary0.3', gun: 'docker.com/notary0.3/tst', dir: path.join(C, 'notary0.3/tuf/docker.com/notary0.3/tst/metadata'), delegations: ['targets/releases'] },
];
/** The root certificates are valid 2016-2026 (0.3) / 2016-2026 (0.1); pin the clock inside. */
const AT = fixedClock('2017-01-01T00:00:00Z');
const tmps: string[] = [];
after(() => tmps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Notary compatibility corpora', { skip: hasCorpora ? false : NO_CORPORA }, () => {
  for (const r of REPOS) {
    test(`${r.name}: every key ID in root.json and the delegations recomputes from the key`, () => {
      const root = parseRoot(readFileSync(path.join(r.dir, 'root.json')));
      assert.ok(root.signed.keys.size >= 4);
      for (const [id, k] of root.signed.keys) assert.equal(computeKeyId(k.keytype, k.public), id);
      const targets = parseTargets(readFileSync(path.join(r.dir, 'targets.json')), 'targets');
      for (const [id, k] of targets.signed.delegations.keys) assert.equal(computeKeyId(k.keytype, k.public), id);
    });

    test(`${r.name}: all roles verify (every signature), delegations included`, async () => {
      const v = await verifyNotaryRepository({ gun: r.gun, source: new DirectorySource(r.dir), pin: { kind: 'tofu' }, clock: AT });
      assert.deepEqual([...v.set.targetsRoles.keys()], ['targets', ...r.delegations]);
      for (const role of ['root', 'timestamp', 'snapshot', 'targets', ...r.delegations]) {
        const file = JSON.parse(readFileSync(path.join(r.dir, `${role}.json`), 'utf8')) as { signatures: unknown[] };
        assert.equal(v.set.signers(role).length, file.signatures.length, `${role}: every signature verifies`);
      }
      assert.deepEqual(v.set.skipped, []);
    });
  }

  test('notary0.1: LICENSE as in the upstream README', async () => {
    const r = REPOS[0]!;
    const t = await verifyNotaryTag({ gun: r.gun, tag: 'LICENSE', source: new DirectorySource(r.dir), pin: { kind: 'tofu' }, clock: AT });
    assert.equal(t.digest, 'sha256:9395bac6fccb26bcb55efb083d1b4b0fe72a1c25f959f056c016120b3bb56a62');
    assert.equal(t.length, 11309);
    assert.equal(t.role, 'targets');
  });

  test('notary0.3: targets as in the upstream README (hello from targets/releases, by an rsa-x509 key)', async () => {
    const r = REPOS[1]!;
    const v = await verifyNotaryRepository({ gun: r.gun, source: new DirectorySource(r.dir), pin: { kind: 'tofu' }, clock: AT });
    const rows = listTargets(v.set).map((t) => `${t.name} ${t.digest} ${t.length} ${t.role}`).sort();
    assert.deepEqual(rows, [
      'LICENSE sha256:9395bac6fccb26bcb55efb083d1b4b0fe72a1c25f959f056c016120b3bb56a62 11309 targets',
      'change sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 targets',
      'hello sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 targets/releases',
    ]);
    const hello = await verifyNotaryTag({ gun: r.gun, tag: 'hello', source: new DirectorySource(r.dir), pin: { kind: 'tofu' }, clock: AT });
    assert.equal(hello.role, 'targets/releases');
    assert.equal(hello.signers[0]!.keytype, 'rsa-x509');
  });

  test('notary0.3: pinning the root key ID from root.json, and the old client’s trusted certificate (0.1)', async () => {
    const r = REPOS[1]!;
    const id = parseRoot(readFileSync(path.join(r.dir, 'root.json'))).signed.roles.root.keyids[0]!;
    const v = await verifyNotaryRepository({ gun: r.gun, source: new DirectorySource(r.dir), pin: { kind: 'key-ids', keyIds: [id] }, clock: AT });
    assert.equal(v.anchor, 'root-key-id');
    const r1 = REPOS[0]!;
    const certDir = path.join(C, 'notary0.1/trusted_certificates/docker.com/notary0.1/samplerepo');
    const { parseCertificates } = await import('../../src/core/x509/parse.js');
    const { readdirSync } = await import('node:fs');
    const cas = readdirSync(certDir).flatMap((f) => parseCertificates(readFileSync(path.join(certDir, f))));
    const v1 = await verifyNotaryRepository({ gun: r1.gun, source: new DirectorySource(r1.dir), pin: { kind: 'ca', cas }, clock: AT });
    assert.equal(v1.anchor, 'root-ca');
  });

  test('the same data is refused today (root certificates expired 2026), as another GUN, and after one-byte tampers', async () => {
    const r = REPOS[1]!;
    const run = async (dir: string, gun = r.gun, clock = AT): Promise<string> => {
      try {
        await verifyNotaryRepository({ gun, source: new DirectorySource(dir), pin: { kind: 'tofu' }, clock });
        return 'OK';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    assert.equal(await run(r.dir, r.gun, fixedClock('2026-11-28T00:00:00Z')), 'ERR_TRUST_EXPIRED');
    assert.equal(await run(r.dir, 'docker.com/notary0.3/other'), 'ERR_TRUST_GUN_MISMATCH');
    const tamper = async (file: string, edit: (s: string) => string): Promise<string> => {
      const d = mkdtempSync(path.join(tmpdir(), 'sg-corpus-'));
      tmps.push(d);
      cpSync(r.dir, d, { recursive: true });
      const p = path.join(d, file);
      const before = readFileSync(p, 'utf8');
      const after = edit(before);
      assert.notEqual(after, before);
      writeFileSync(p, after);
      return run(d);
    };
    // A signature byte in the timestamp; the timestamp's version; a byte of the snapshot; a hash character in targets/releases.
    assert.equal(await tamper('timestamp.json', (s) => s.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`)), 'ERR_TRUST_THRESHOLD');
    assert.equal(await tamper('timestamp.json', (s) => s.replace('"version":4', '"version":5')), 'ERR_TRUST_THRESHOLD');
    assert.equal(await tamper('snapshot.json', (s) => s.replace('"version":5', '"version":6')), 'ERR_TRUST_MIX_AND_MATCH');
    assert.equal(await tamper('targets/releases.json', (s) => s.replace('47DEQpj8', '47DEQpj9')), 'ERR_TRUST_MIX_AND_MATCH');
  });
});

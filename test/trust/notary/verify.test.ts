/**
 * The Notary v1 verifier against generated repositories: the honest cases
 * (all key types, delegations, Docker's tag rule, rotation walks, pinning)
 * and every attack of spec §11, each refused with its own code.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../../../src/core/clock.js';
import { parseCertificate } from '../../../src/core/x509/parse.js';
import { FileStore } from '../../../src/store/file-store.js';
import type { StateStore } from '../../../src/store/state-store.js';
import { readTrustCache } from '../../../src/trust/notary/cache.js';
import type { RootPin } from '../../../src/trust/notary/root.js';
import { DirectorySource } from '../../../src/trust/notary/source-dir.js';
import { verifyNotaryTag, type TagVerification } from '../../../src/trust/notary/verify.js';
import {
  buildRepo,
  certKey,
  envelope,
  expiresIn,
  makeCert,
  newKey,
  plainViewOf,
  resignChain,
  resignRole,
  rotateRoot,
  signatureFor,
  targetMeta,
  writeRepo,
  type BuiltRepo,
} from '../helpers/notary-repo.js';

const GUN = '127.0.0.1:5000/library/demo';
const roots: string[] = [];
after(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sg-trust-'));
  roots.push(d);
  return d;
}

interface Opts {
  tag?: string;
  gun?: string;
  pin?: RootPin | undefined;
  store?: StateStore;
  at?: Date;
}

async function verify(repo: BuiltRepo | Map<string, Buffer>, o: Opts = {}): Promise<TagVerification> {
  const files = repo instanceof Map ? repo : repo.files;
  const dir = writeRepo(tmp(), files);
  return verifyNotaryTag({
    gun: o.gun ?? GUN,
    tag: o.tag ?? 'v1',
    source: new DirectorySource(dir),
    ...('pin' in o ? (o.pin ? { pin: o.pin } : {}) : { pin: { kind: 'tofu' } as RootPin }),
    ...(o.store ? { store: o.store } : {}),
    clock: fixedClock(o.at ?? new Date()),
  });
}

async function refused(p: Promise<unknown>, code: string, role?: string): Promise<Error & { code: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code: string; details?: Record<string, unknown> };
    assert.equal(err.code, code, `${err.code}: ${err.message}`);
    if (role !== undefined) assert.equal(err.details?.role, role, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but verification succeeded`);
}

const V1 = targetMeta('manifest v1');
const V2 = targetMeta('manifest v2 {}');
const digestOf = (m: unknown): string => `sha256:${Buffer.from((m as { hashes: { sha256: string } }).hashes.sha256, 'base64').toString('hex')}`;

describe('honest repositories', () => {
  test('valid_basic: tag → digest, length, role, signers', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const r = await verify(repo);
    assert.equal(r.digest, digestOf(V1));
    assert.equal(r.length, 11);
    assert.equal(r.role, 'targets');
    assert.deepEqual(
      r.signers.map((s) => s.keyId),
      [repo.spec.targetsKey.id],
    );
    assert.deepEqual(r.root.keyIds, [repo.spec.rootKeys[0]!.id]);
    assert.equal(r.anchor, 'tofu');
  });

  test('valid_all_key_types: rsa-x509 root, ed25519/ecdsa-p384/rsa role keys, rsapkcs1v15 method', async () => {
    const repo = buildRepo({
      gun: GUN,
      rootKeys: [certKey({ cn: GUN, kind: 'rsa' })],
      targetsKey: newKey('rsa'),
      snapshotKey: newKey('ecdsa-p384'),
      timestampKey: newKey('ed25519'),
      targets: { v1: V1 },
    });
    assert.equal((await verify(repo)).digest, digestOf(V1));
    const k = { ...repo.spec.targetsKey, method: 'rsapkcs1v15' };
    resignRole(repo, 'targets.json', () => undefined, [k]);
    resignChain(repo);
    assert.equal((await verify(repo)).digest, digestOf(V1));
  });

  test('valid_docker_priority: targets/releases wins over targets; both listed as signers', async () => {
    const rel = certKey({ cn: 'releases-signer' });
    const repo = buildRepo({ gun: GUN, targets: { v1: V1, prio: V1 }, delegations: [{ name: 'targets/releases', keys: [rel], targets: { prio: V2, v2: V2 } }] });
    const prio = await verify(repo, { tag: 'prio' });
    assert.equal(prio.role, 'targets/releases');
    assert.equal(prio.digest, digestOf(V2));
    assert.equal(prio.signers[0]!.name, 'releases-signer');
    assert.equal((await verify(repo, { tag: 'v1' })).role, 'targets');
    assert.equal((await verify(repo, { tag: 'v2' })).role, 'targets/releases');
  });

  test('valid_signer_attribution: a per-signer role signing the same digest is reported', async () => {
    const alice = newKey('ecdsa');
    const repo = buildRepo({
      gun: GUN,
      delegations: [
        { name: 'targets/releases', keys: [alice], targets: { v1: V1 } },
        { name: 'targets/alice', keys: [alice], targets: { v1: V1 } },
      ],
    });
    const r = await verify(repo);
    assert.equal(r.role, 'targets/releases');
    assert.deepEqual(r.alsoSignedBy, ['targets/alice']);
  });

  test('valid_nested_delegation with restricted paths', async () => {
    const a = newKey('ecdsa');
    const b = newKey('ed25519');
    const repo = buildRepo({
      gun: GUN,
      delegations: [{ name: 'targets/releases', keys: [a], paths: ['v'], targets: { v1: V1 }, children: [{ name: 'targets/releases/team', keys: [b], paths: ['v2', 'x'], targets: { v2: V2, x1: V2 } }] }],
    });
    assert.equal((await verify(repo, { tag: 'v1' })).role, 'targets/releases');
    // A hit below targets/releases is refused, as Docker does.
    await refused(verify(repo, { tag: 'v2' }), 'ERR_TRUST_ROLE_CONFUSION', 'targets/releases/team');
    // x1 is allowed by the child's own paths but not by its parent's: outside the effective paths.
    await refused(verify(repo, { tag: 'x1' }), 'ERR_TRUST_DELEGATION_PATH');
  });

  test('valid_unpublished_delegation: declared but absent from the snapshot is skipped', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/releases', keys: [newKey()] }] });
    repo.files.delete('targets/releases.json');
    resignChain(repo);
    const r = await verify(repo);
    assert.equal(r.role, 'targets');
  });

  test('valid_threshold_2_of_3 root and targets', async () => {
    const rk = [certKey({ cn: GUN }), certKey({ cn: GUN }), certKey({ cn: GUN })];
    const repo = buildRepo({ gun: GUN, rootKeys: rk, rootThreshold: 2, rootSigners: [rk[0]!, rk[2]!], targets: { v1: V1 } });
    const r = await verify(repo);
    assert.equal(r.digest, digestOf(V1));
  });

  test('valid_wildcard_cn: root certificate CN "127.0.0.1:5000/library/*"', async () => {
    const repo = buildRepo({ gun: GUN, rootKeys: [certKey({ cn: '127.0.0.1:5000/library/*' })], targets: { v1: V1 } });
    assert.equal((await verify(repo)).role, 'targets');
    await refused(verify(repo, { gun: '127.0.0.1:5000/other/demo' }), 'ERR_TRUST_GUN_MISMATCH', 'root');
  });
});

describe('trust anchors and pinning', () => {
  test('no pin, no cache: ERR_TRUST_NO_ANCHOR saying how to pin', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const e = await refused(verify(repo, { pin: undefined }), 'ERR_TRUST_NO_ANCHOR');
    assert.match(e.message, /--root-key-id/);
    assert.match(e.message, /--root-ca/);
    assert.match(e.message, /--tofu/);
  });

  test('--root-key-id: the root.json key ID or the canonical ID pins; another ID is ERR_TRUST_PIN_MISMATCH', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const id = repo.spec.rootKeys[0]!.id;
    assert.equal((await verify(repo, { pin: { kind: 'key-ids', keyIds: [id] } })).anchor, 'root-key-id');
    const canonical = plainViewOf(repo.spec.rootKeys[0]!).id;
    assert.equal((await verify(repo, { pin: { kind: 'key-ids', keyIds: [canonical] } })).anchor, 'root-key-id');
    await refused(verify(repo, { pin: { kind: 'key-ids', keyIds: ['0'.repeat(64)] } }), 'ERR_TRUST_PIN_MISMATCH', 'root');
  });

  test('--root-ca: a root issued under the CA pins; another CA is ERR_TRUST_PIN_MISMATCH', async () => {
    const ca = makeCert({ cn: 'pinning CA', isCa: true });
    const other = makeCert({ cn: 'other CA', isCa: true });
    const leaf = certKey({ cn: GUN, issuer: { cn: 'pinning CA', key: ca.privateKey } });
    const repo = buildRepo({ gun: GUN, rootKeys: [leaf], targets: { v1: V1 } });
    assert.equal((await verify(repo, { pin: { kind: 'ca', cas: [parseCertificate(ca.der)] } })).anchor, 'root-ca');
    await refused(verify(repo, { pin: { kind: 'ca', cas: [parseCertificate(other.der)] } }), 'ERR_TRUST_PIN_MISMATCH');
    // The self-signed root certificate itself may be pinned as the "CA".
    const self = buildRepo({ gun: GUN, targets: { v1: V1 } });
    assert.equal((await verify(self, { pin: { kind: 'ca', cas: [parseCertificate(self.spec.rootKeys[0]!.certDer!)] } })).anchor, 'root-ca');
  });

  test('--tofu records the root; later runs are anchored by the cache; an unrelated root is refused', async () => {
    const store = new FileStore(tmp());
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    assert.equal((await verify(repo, { store })).anchor, 'tofu');
    const cached = await readTrustCache(store, GUN);
    assert.ok(cached?.root.equals(repo.files.get('root.json')!));
    assert.equal(cached!.anchor, 'tofu');
    assert.equal((await verify(repo, { store, pin: undefined })).anchor, 'cache');
    // A different repository under the same GUN (new root keys, not signed by the old): even with --tofu.
    const evil = buildRepo({ gun: GUN, targets: { v1: V2 } });
    await refused(verify(evil, { store }), 'ERR_TRUST_ROOT_ROTATION', 'root');
  });

  test('pinned old root key: bootstrap from 1.root.json and walk to the latest root', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const k1 = repo.spec.rootKeys[0]!;
    repo.files.set('1.root.json', repo.files.get('root.json')!);
    const k2 = certKey({ cn: GUN });
    rotateRoot(repo, { newRootKeys: [k2], signers: [k1, k2], version: 2 });
    const k3 = certKey({ cn: GUN });
    rotateRoot(repo, { newRootKeys: [k3], signers: [k2, k3], version: 3 });
    resignChain(repo);
    const r = await verify(repo, { pin: { kind: 'key-ids', keyIds: [k1.id] } });
    assert.deepEqual(r.root.chain, [1, 2, 3]);
    assert.deepEqual(r.root.keyIds, [k3.id]);
  });
});

describe('spec §11 attacks', () => {
  test('rollback: an older timestamp/snapshot/targets after a newer one was trusted → ERR_TRUST_ROLLBACK', async () => {
    const store = new FileStore(tmp());
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const old = new Map(repo.files);
    await verify(repo, { store });
    resignRole(repo, 'targets.json', (s) => {
      s.version = 2;
      (s.targets as Record<string, unknown>).v1 = V2;
    }, [repo.spec.targetsKey]);
    resignChain(repo, { versions: { snapshot: 2, timestamp: 2 } });
    assert.equal((await verify(repo, { store })).digest, digestOf(V2));
    assert.deepEqual((await readTrustCache(store, GUN))!.versions, { root: 1, timestamp: 2, snapshot: 2, targets: 2 });
    await refused(verify(old, { store }), 'ERR_TRUST_ROLLBACK', 'timestamp');
    // Only targets replayed (snapshot and timestamp re-signed around it): still caught.
    const mixed = new Map(repo.files);
    mixed.set('targets.json', old.get('targets.json')!);
    const replay = { ...repo, files: mixed };
    resignChain(replay, { versions: { snapshot: 3, timestamp: 3 } });
    await refused(verify(mixed, { store }), 'ERR_TRUST_ROLLBACK', 'targets');
  });

  test('rollback: a served root older than the cached root → ERR_TRUST_ROLLBACK', async () => {
    const store = new FileStore(tmp());
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const v1files = new Map(repo.files);
    const k2 = certKey({ cn: GUN });
    rotateRoot(repo, { newRootKeys: [k2], signers: [repo.spec.rootKeys[0]!, k2], version: 2 });
    resignChain(repo, { versions: { snapshot: 2, timestamp: 2 } });
    assert.deepEqual((await verify(repo, { store })).root.chain, [2]);
    await refused(verify(v1files, { store }), 'ERR_TRUST_ROLLBACK', 'root');
  });

  test('freeze: expired timestamp, snapshot, targets, root → ERR_TRUST_EXPIRED naming the role', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const in15d = new Date(Date.now() + 15 * 86_400_000);
    await refused(verify(repo, { at: in15d }), 'ERR_TRUST_EXPIRED', 'timestamp');
    for (const role of ['snapshot', 'targets', 'root'] as const) {
      const r = buildRepo({ gun: GUN, targets: { v1: V1 }, expires: { [role]: expiresIn(-1) } });
      await refused(verify(r), 'ERR_TRUST_EXPIRED', role);
    }
  });

  test('freeze: an expired root certificate → ERR_TRUST_EXPIRED; a not-yet-valid one beyond 1 day leeway too', async () => {
    const expired = buildRepo({ gun: GUN, rootKeys: [certKey({ cn: GUN, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) })], targets: { v1: V1 } });
    await refused(verify(expired), 'ERR_TRUST_EXPIRED', 'root');
    const future = buildRepo({ gun: GUN, rootKeys: [certKey({ cn: GUN, notBefore: new Date(Date.now() + 2 * 86_400_000) })], targets: { v1: V1 } });
    await refused(verify(future), 'ERR_TRUST_EXPIRED', 'root');
    const soon = buildRepo({ gun: GUN, rootKeys: [certKey({ cn: GUN, notBefore: new Date(Date.now() + 3_600_000) })], targets: { v1: V1 } });
    assert.equal((await verify(soon)).role, 'targets');
  });

  test('freeze: expired targets/releases is refused, not silently replaced by targets (stricter than Docker)', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/releases', keys: [newKey()], expires: expiresIn(-1), targets: { v1: V2 } }] });
    await refused(verify(repo), 'ERR_TRUST_EXPIRED', 'targets/releases');
    // Another expired delegation only drops its subtree, with a warning.
    const other = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/old', keys: [newKey()], expires: expiresIn(-1), targets: { v1: V2 } }] });
    const r = await verify(other);
    assert.equal(r.digest, digestOf(V1));
    assert.ok(r.warnings.some((w) => w.includes('targets/old')));
  });

  test('mix-and-match: snapshot from another state, targets altered, root not the one in snapshot → ERR_TRUST_MIX_AND_MATCH', async () => {
    const a = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const b = new Map(a.files);
    resignRole(a, 'targets.json', (s) => {
      (s.targets as Record<string, unknown>).v1 = V2;
    }, [a.spec.targetsKey]);
    resignChain(a);
    const mixed = new Map(a.files);
    mixed.set('snapshot.json', b.get('snapshot.json')!);
    await refused(verify(mixed), 'ERR_TRUST_MIX_AND_MATCH', 'snapshot');
    const tampered = new Map(a.files);
    tampered.set('targets.json', Buffer.from(a.files.get('targets.json')!.toString().replace('"v1"', '"v1" ')));
    await refused(verify(tampered), 'ERR_TRUST_TOO_LARGE', 'targets');
    // A one-byte change keeping the length: the hash catches it.
    const sameLength = new Map(a.files);
    const raw = Buffer.from(a.files.get('targets.json')!);
    raw[raw.length - 2] = raw[raw.length - 2] === 0x7d ? 0x5d : 0x7d;
    sameLength.set('targets.json', raw);
    await refused(verify(sameLength), 'ERR_TRUST_MIX_AND_MATCH', 'targets');
    // Root bytes that differ from what the snapshot lists (a re-serialised but validly signed root).
    const rootSwap = new Map(a.files);
    const rootDoc = JSON.parse(a.files.get('root.json')!.toString()) as Record<string, unknown>;
    rootSwap.set('root.json', Buffer.from(JSON.stringify({ signatures: rootDoc.signatures, signed: rootDoc.signed })));
    assert.equal(rootSwap.get('root.json')!.length, a.files.get('root.json')!.length);
    await refused(verify(rootSwap), 'ERR_TRUST_MIX_AND_MATCH', 'root');
  });

  test('threshold: under-signed root (2 of 2 needed), a duplicated signature counts once → ERR_TRUST_THRESHOLD', async () => {
    const rk = [certKey({ cn: GUN }), certKey({ cn: GUN })];
    const repo = buildRepo({ gun: GUN, rootKeys: rk, rootThreshold: 2, rootSigners: [rk[0]!], targets: { v1: V1 } });
    await refused(verify(repo), 'ERR_TRUST_THRESHOLD', 'root');
    const dup = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/releases', keys: [newKey(), newKey()], threshold: 2, targets: { v1: V2 } }] });
    const relDoc = JSON.parse(dup.files.get('targets/releases.json')!.toString()) as { signed: Record<string, unknown>; signatures: unknown[] };
    relDoc.signatures = [relDoc.signatures[0], relDoc.signatures[0]];
    dup.files.set('targets/releases.json', Buffer.from(JSON.stringify(relDoc)));
    resignChain(dup);
    await refused(verify(dup), 'ERR_TRUST_THRESHOLD', 'targets/releases');
  });

  test('threshold: one public key under two key IDs (ecdsa and ecdsa-x509) counts once', async () => {
    const cert = certKey({ cn: 'signer' });
    const plain = plainViewOf(cert);
    const repo = buildRepo({ gun: GUN, delegations: [{ name: 'targets/releases', keys: [cert, plain], threshold: 2, targets: { v1: V1 } }] });
    const e = await refused(verify(repo), 'ERR_TRUST_THRESHOLD', 'targets/releases');
    assert.equal(e.details?.valid, 1);
  });

  test('wrong key: targets signed by the snapshot key, a one-byte signature change → ERR_TRUST_THRESHOLD', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    resignRole(repo, 'targets.json', () => undefined, [repo.spec.snapshotKey]);
    resignChain(repo);
    await refused(verify(repo), 'ERR_TRUST_THRESHOLD', 'targets');
    const r2 = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const doc = JSON.parse(r2.files.get('timestamp.json')!.toString()) as { signatures: Array<{ sig: string }> };
    const sig = Buffer.from(doc.signatures[0]!.sig, 'base64');
    sig[5]! ^= 1;
    doc.signatures[0]!.sig = sig.toString('base64');
    r2.files.set('timestamp.json', Buffer.from(JSON.stringify(doc)));
    await refused(verify(r2), 'ERR_TRUST_THRESHOLD', 'timestamp');
  });

  test('keyid spoof: a key whose content does not hash to its ID → ERR_TRUST_BAD_KEY', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const attacker = newKey('ecdsa');
    const realId = repo.spec.targetsKey.id;
    const spoof = { ...attacker, id: realId };
    const rootDoc = JSON.parse(repo.files.get('root.json')!.toString()) as { signed: { keys: Record<string, { keyval: { public: string } }> } };
    rootDoc.signed.keys[realId]!.keyval.public = attacker.public;
    repo.files.set('root.json', envelope(rootDoc.signed as never, repo.spec.rootKeys));
    resignRole(repo, 'targets.json', () => undefined, [spoof]);
    resignChain(repo);
    await refused(verify(repo), 'ERR_TRUST_BAD_KEY', 'targets');
  });

  test('key rotation: a timestamp signed by the retired timestamp key → ERR_TRUST_THRESHOLD', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const oldTs = repo.files.get('timestamp.json')!;
    const k1 = repo.spec.rootKeys[0]!;
    rotateRoot(repo, { newRootKeys: [k1], signers: [k1], version: 2, timestampKey: newKey('ed25519') });
    resignChain(repo);
    assert.equal((await verify(repo)).role, 'targets');
    const stale = new Map(repo.files);
    stale.set('timestamp.json', oldTs);
    await refused(verify(stale), 'ERR_TRUST_THRESHOLD', 'timestamp');
  });

  test('root rotation: walk 1→2→3 from the cache; a root signed only by the new key, a skipped version, a wrong N → ERR_TRUST_ROOT_ROTATION', async () => {
    const store = new FileStore(tmp());
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    await verify(repo, { store });
    const k1 = repo.spec.rootKeys[0]!;
    const k2 = certKey({ cn: GUN });
    const k3 = certKey({ cn: GUN });
    const base = new Map(repo.files);

    // Honest: 2 signed by 1+2, 3 signed by 2+3; the latest alone does not chain to 1, so the walk is needed.
    rotateRoot(repo, { newRootKeys: [k2], signers: [k1, k2], version: 2 });
    rotateRoot(repo, { newRootKeys: [k3], signers: [k2, k3], version: 3 });
    resignChain(repo, { versions: { snapshot: 2, timestamp: 2 } });
    const honest = new Map(repo.files);

    const onlyNew = { ...repo, files: new Map(base) };
    rotateRoot(onlyNew, { newRootKeys: [k2], signers: [k2], version: 2 });
    resignChain(onlyNew, { versions: { snapshot: 2, timestamp: 2 } });
    await refused(verify(onlyNew.files, { store: new FileStore(copyStore(store)) }), 'ERR_TRUST_ROOT_ROTATION', 'root');

    const missing = new Map(honest);
    missing.delete('2.root.json');
    await refused(verify(missing, { store: new FileStore(copyStore(store)) }), 'ERR_TRUST_ROOT_ROTATION', 'root');

    const wrongN = new Map(honest);
    wrongN.set('2.root.json', honest.get('3.root.json')!);
    await refused(verify(wrongN, { store: new FileStore(copyStore(store)) }), 'ERR_TRUST_ROOT_ROTATION', '2.root');

    const r = await verify(honest, { store });
    assert.deepEqual(r.root.chain, [1, 2, 3]);
    assert.equal((await readTrustCache(store, GUN))!.rootVersion, 3);
  });

  test('GUN mismatch: verifying as another GUN, or a root certificate for another CN → ERR_TRUST_GUN_MISMATCH', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    await refused(verify(repo, { gun: '127.0.0.1:5000/library/other' }), 'ERR_TRUST_GUN_MISMATCH', 'root');
    const other = buildRepo({ gun: GUN, rootKeys: [certKey({ cn: 'docker.io/library/alpine' })], targets: { v1: V1 } });
    await refused(verify(other), 'ERR_TRUST_GUN_MISMATCH', 'root');
  });

  test('bad root keys: SHA-1 certificate, plain (non-certificate) key, CA as leaf → ERR_TRUST_BAD_KEY', async () => {
    await refused(verify(buildRepo({ gun: GUN, rootKeys: [certKey({ cn: GUN, sha1: true })] })), 'ERR_TRUST_BAD_KEY', 'root');
    await refused(verify(buildRepo({ gun: GUN, rootKeys: [newKey('ecdsa')] })), 'ERR_TRUST_BAD_KEY', 'root');
    await refused(verify(buildRepo({ gun: GUN, rootKeys: [certKey({ cn: GUN, isCa: true })] })), 'ERR_TRUST_BAD_KEY', 'root');
  });

  test('endless data: timestamp over 1 MiB, snapshot longer than the timestamp says → ERR_TRUST_TOO_LARGE', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const big = new Map(repo.files);
    big.set('timestamp.json', Buffer.concat([repo.files.get('timestamp.json')!, Buffer.alloc(1024 * 1024, 0x20)]));
    await refused(verify(big), 'ERR_TRUST_TOO_LARGE', 'timestamp');
    const longer = new Map(repo.files);
    longer.set('snapshot.json', Buffer.concat([repo.files.get('snapshot.json')!, Buffer.from(' ')]));
    await refused(verify(longer), 'ERR_TRUST_TOO_LARGE', 'snapshot');
  });

  test('delegation path escape: targets/releases with paths ["v"] signing "latest" → ERR_TRUST_DELEGATION_PATH', async () => {
    const repo = buildRepo({ gun: GUN, delegations: [{ name: 'targets/releases', keys: [newKey()], paths: ['v'], targets: { latest: V2, v1: V1 } }] });
    await refused(verify(repo, { tag: 'latest' }), 'ERR_TRUST_DELEGATION_PATH', 'targets/releases');
    assert.equal((await verify(repo, { tag: 'v1' })).role, 'targets/releases');
    // A delegation that is not a direct child of its parent.
    const bad = buildRepo({ gun: GUN, delegations: [{ name: 'targets/releases', keys: [newKey()], children: [{ name: 'targets/other/x', keys: [newKey()] }] }] });
    await refused(verify(bad), 'ERR_TRUST_DELEGATION_PATH', 'targets/releases');
  });

  test('Docker role confusion: a tag only in targets/rsasigner, a _type swap → ERR_TRUST_ROLE_CONFUSION', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 }, delegations: [{ name: 'targets/rsasigner', keys: [newKey('rsa')], paths: ['v'], targets: { 'v3-rsa': V2 } }] });
    await refused(verify(repo, { tag: 'v3-rsa' }), 'ERR_TRUST_ROLE_CONFUSION', 'targets/rsasigner');
    const swapped = new Map(repo.files);
    swapped.set('root.json', repo.files.get('targets.json')!);
    await refused(verify(swapped), 'ERR_TRUST_ROLE_CONFUSION', 'root');
  });

  test('malformed canonical data: a float in custom, a duplicate key → ERR_TRUST_NON_CANONICAL', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: { ...(V1 as object), custom: { f: 1 } } as never } });
    repo.files.set('targets.json', Buffer.from(repo.files.get('targets.json')!.toString().replace('"f":1', '"f":1.5')));
    resignChain(repo);
    await refused(verify(repo), 'ERR_TRUST_NON_CANONICAL', 'targets');
    const dup = buildRepo({ gun: GUN, targets: { v1: V1 } });
    dup.files.set('targets.json', Buffer.from(dup.files.get('targets.json')!.toString().replace('"_type":"Targets"', '"_type":"Targets","version":1')));
    resignChain(dup);
    await refused(verify(dup), 'ERR_TRUST_NON_CANONICAL', 'targets');
  });

  test('no data and unsigned tags: ERR_TRUST_NO_DATA, ERR_TRUST_NOT_SIGNED', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const noTs = new Map(repo.files);
    noTs.delete('timestamp.json');
    await refused(verify(noTs), 'ERR_TRUST_NO_DATA', 'timestamp');
    await refused(verify(repo, { tag: 'unsigned' }), 'ERR_TRUST_NOT_SIGNED');
  });

  test('signature methods: unknown method and an ECDSA DER signature do not count', async () => {
    const repo = buildRepo({ gun: GUN, targets: { v1: V1 } });
    const doc = JSON.parse(repo.files.get('targets.json')!.toString()) as { signed: never; signatures: unknown[] };
    const s = signatureFor(doc.signed, repo.spec.targetsKey);
    doc.signatures = [{ ...s, method: 'ecdsa-sha512' }];
    repo.files.set('targets.json', Buffer.from(JSON.stringify(doc)));
    resignChain(repo);
    await refused(verify(repo), 'ERR_TRUST_THRESHOLD', 'targets');
  });
});

/** Copy a FileStore directory (same cache state for several independent attacks). */
function copyStore(store: FileStore): string {
  const dir = tmp();
  cpSync(store.location, dir, { recursive: true });
  return dir;
}

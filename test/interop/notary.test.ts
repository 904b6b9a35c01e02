/**
 * Real Notary v1 components (Debian notary 0.7): notary-server (+ notary-signer),
 * the notary client publishing a repository; our online verifier must agree
 * with `notary list` on every tag (digest and length), follow key and root
 * rotations from its trust cache, and resolve a targets/releases delegation
 * the Docker way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { FileStore } from '../../src/store/file-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { createFetcher } from '../../src/trust/fetcher.js';
import { readTrustCache } from '../../src/trust/notary/cache.js';
import type { RootPin } from '../../src/trust/notary/root.js';
import { DirectorySource } from '../../src/trust/notary/source-dir.js';
import { NotaryServerSource } from '../../src/trust/notary/source-http.js';
import { verifyNotaryTag, type TagVerification } from '../../src/trust/notary/verify.js';
import { runCli } from '../helpers/env.js';
import { requireTools } from './harness/interop.js';
import { makeNotaryPki, makeSelfSignedCert, notaryChecks, notaryClient, startNotaryServer, startNotarySigner, type NotaryClient, type NotaryServer } from './harness/notary.js';
import { makeTempDir } from './harness/process.js';

const GUN = '127.0.0.1:5000/library/demo';

function online(server: NotaryServer, gun: string, tag: string, o: { store?: StateStore; pin?: RootPin } = {}): Promise<TagVerification> {
  const fetcher = createFetcher({ ca: readFileSync(server.caFile) });
  return verifyNotaryTag({
    gun,
    tag,
    source: new NotaryServerSource(server.url, gun, fetcher),
    ...(o.pin ? { pin: o.pin } : {}),
    ...(o.store ? { store: o.store } : {}),
    clock: systemClock,
  }).finally(() => fetcher.close());
}

/**
 * Every tag `notary list` shows agrees with our verifier (digest, length,
 * role). `notary list` prefers `targets` when a tag is in both roles, Docker
 * (and we) prefer `targets/releases` (spec §9), so such tags are compared
 * with `notary list --roles targets/releases`.
 */
async function agreeWithNotaryList(server: NotaryServer, client: NotaryClient, gun: string, store: StateStore): Promise<number> {
  const rows = await client.list(gun);
  assert.ok(rows.length > 0, 'notary list shows no tags');
  const releases = new Map((await client.list(gun, ['targets/releases']).catch(() => [])).map((r) => [r.name, r]));
  const names = new Set(rows.map((r) => r.name));
  for (const name of names) {
    const ours = await online(server, gun, name, { store });
    const expected = releases.get(name) ?? rows.find((r) => r.name === name && r.role === 'targets');
    assert.ok(expected, `${name}: not in targets/releases or targets`);
    assert.equal(ours.digest, `sha256:${expected.digest}`, name);
    assert.equal(ours.length, expected.size, name);
    assert.equal(ours.role, expected.role, name);
  }
  return names.size;
}

async function content(dir: string, name: string, text: string): Promise<string> {
  const f = join(dir, name);
  await writeFile(f, text);
  return f;
}

test('notary-server (local ed25519 signer) + notary client: publish, verify every tag, rotate keys and root, delegate to targets/releases', async (t) => {
  if (!(await requireTools(t, notaryChecks))) return;
  const pki = await makeNotaryPki();
  const server = await startNotaryServer(pki);
  const client = await notaryClient(server);
  const work = await makeTempDir('sgn-');
  const store = new FileStore(join(work, 'state'));

  await client.run(['init', GUN]);
  await client.run(['add', GUN, 'v1', await content(work, 'm1', '{"schemaVersion":2,"v":1}')]);
  await client.run(['add', GUN, 'v2', await content(work, 'm2', 'second manifest')]);
  await client.run(['add', GUN, 'latest', await content(work, 'm3', 'x')]);
  await client.run(['publish', GUN]);

  // Nothing pinned, nothing cached: refused with the pinning hint.
  await assert.rejects(online(server, GUN, 'v1'), (e: { code?: string }) => e.code === 'ERR_TRUST_NO_ANCHOR');
  const first = await online(server, GUN, 'v1', { store, pin: { kind: 'tofu' } });
  assert.equal(first.anchor, 'tofu');
  assert.equal(await agreeWithNotaryList(server, client, GUN, store), 3);

  // Pinning the root key ID the client trusts; the client's cached metadata verifies offline too.
  const rootJson = JSON.parse(readFileSync(join(client.metadataDir(GUN), 'root.json'), 'utf8')) as { signed: { roles: { root: { keyids: string[] } } } };
  const pin: RootPin = { kind: 'key-ids', keyIds: rootJson.signed.roles.root.keyids };
  assert.equal((await online(server, GUN, 'v2', { pin })).anchor, 'root-key-id');
  const offline = await verifyNotaryTag({ gun: GUN, tag: 'v2', source: new DirectorySource(client.metadataDir(GUN)), pin, clock: fixedClock(new Date()) });
  const v2online = await online(server, GUN, 'v2', { store });
  assert.equal(offline.digest, v2online.digest);
  assert.equal(offline.length, 15);

  // Key rotations: server-managed snapshot and timestamp, then the root (signed by old and new root keys).
  await client.run(['key', 'rotate', GUN, 'snapshot', '-r']);
  await client.run(['key', 'rotate', GUN, 'timestamp', '-r']);
  await client.run(['key', 'rotate', GUN, 'root'], 'yes\n');
  const rotated = await online(server, GUN, 'v1', { store });
  assert.equal(rotated.anchor, 'cache');
  assert.equal(rotated.root.chain[0], 1);
  assert.equal(rotated.root.version, 4);
  assert.notDeepEqual(rotated.root.keyIds, pin.keyIds);
  assert.equal((await readTrustCache(store, GUN))!.rootVersion, 4);
  // The old pin no longer names a current root key, but 1.root.json chains to the new one.
  const viaOldPin = await online(server, GUN, 'v1', { pin });
  assert.deepEqual(viaOldPin.root.chain.slice(0, 1), [1]);
  assert.equal(viaOldPin.root.version, 4);

  // A targets/releases delegation (a self-signed certificate key), a tag only there, a tag in both roles.
  const rel = await makeSelfSignedCert(work, 'releases', 'releases-signer');
  await client.run(['delegation', 'add', GUN, 'targets/releases', rel.cert, '--all-paths']);
  await client.run(['key', 'import', rel.key, '--role', 'targets/releases']);
  await client.run(['publish', GUN]);
  await client.run(['add', GUN, 'v3', await content(work, 'm4', 'third'), '--roles', 'targets/releases']);
  await client.run(['add', GUN, 'prio', await content(work, 'm5', 'prio in targets')]);
  await client.run(['add', GUN, 'prio', await content(work, 'm6', 'prio in releases!'), '--roles', 'targets/releases']);
  await client.run(['publish', GUN]);
  assert.equal(await agreeWithNotaryList(server, client, GUN, store), 5);
  const v3 = await online(server, GUN, 'v3', { store });
  assert.equal(v3.role, 'targets/releases');
  assert.equal(v3.signers[0]!.name, 'releases-signer');
  assert.equal((await online(server, GUN, 'prio', { store })).length, 17);

  // The CLI, online, as a user runs it.
  const cli = runCli(['--state', join(work, 'state'), '--json', 'trust', 'verify', `${GUN}:v3`, '--server', server.url, '--ca', server.caFile]);
  assert.equal(cli.code, 0, cli.stderr);
  const doc = JSON.parse(cli.stdout) as { digest: string; role: string; anchor: string };
  assert.equal(doc.digest, v3.digest);
  assert.equal(doc.role, 'targets/releases');
  assert.equal(doc.anchor, 'cache');
  const noCa = runCli(['--state', join(work, 'state'), '--json', 'trust', 'verify', `${GUN}:v3`, '--server', server.url]);
  assert.equal(noCa.code, 3, noCa.stdout);
  assert.match(noCa.stderr, /ERR_TRUST_NETWORK/);
  const unknown = runCli(['--state', join(work, 'state'), '--json', 'trust', 'verify', `${GUN}:nope`, '--server', server.url, '--ca', server.caFile]);
  assert.equal(unknown.code, 1);
  assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_NOT_SIGNED');
});

test('notary-server with a remote notary-signer (ECDSA timestamp and snapshot keys): tags agree with notary list', async (t) => {
  if (!(await requireTools(t, notaryChecks))) return;
  const pki = await makeNotaryPki();
  const signer = await startNotarySigner(pki);
  const server = await startNotaryServer(pki, signer);
  const client = await notaryClient(server);
  const work = await makeTempDir('sgn-');
  const store = new FileStore(join(work, 'state'));
  const gun = '127.0.0.1:5000/team/ecdsa';
  await client.run(['init', gun]);
  await client.run(['add', gun, 'a', await content(work, 'a', 'alpha')]);
  await client.run(['add', gun, 'b', await content(work, 'b', 'beta beta')]);
  await client.run(['publish', gun]);
  const r = await online(server, gun, 'a', { store, pin: { kind: 'tofu' } });
  assert.equal(r.length, 5);
  assert.equal(await agreeWithNotaryList(server, client, gun, store), 2);
  // The timestamp key the server holds is an ECDSA key (notary-signer), not the local ed25519 one.
  const root = JSON.parse(readFileSync(join(client.metadataDir(gun), 'root.json'), 'utf8')) as {
    signed: { keys: Record<string, { keytype: string }>; roles: { timestamp: { keyids: string[] } } };
  };
  assert.equal(root.signed.keys[root.signed.roles.timestamp.keyids[0]!]!.keytype, 'ecdsa');
  // Another GUN on the same server without data: no trust data.
  await assert.rejects(online(server, '127.0.0.1:5000/team/none', 'x', { pin: { kind: 'tofu' } }), (e: { code?: string }) => e.code === 'ERR_TRUST_NO_DATA');
});

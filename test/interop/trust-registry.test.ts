/**
 * `trust verify --registry`: real notary-server + notary client signing the
 * manifest bytes skopeo pushes to a real docker-registry (TLS with the same
 * throwaway CA). The CLI must confirm the registry serves the signed digest,
 * accept a signed image index, and refuse with ERR_TRUST_REGISTRY_MISMATCH
 * when another manifest is pushed under the signed tag or the tag is absent;
 * an unreachable registry is exit 3. A registry behind token auth (the same
 * test token service): credentials from a file or the environment, and
 * ERR_TRUST_AUTH (exit 3) without them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegistryClient } from '../../src/trust/registry/client.js';
import { confirmRegistryDigest } from '../../src/trust/registry/confirm.js';
import { runCli, runCliAsync } from '../helpers/env.js';
import { requireTools } from './harness/interop.js';
import { makeCaSignedCert, makeNotaryPki, notaryChecks, notaryClient, startNotaryServer } from './harness/notary.js';
import { freePort } from './harness/process.js';
import { registryChecks, sha, startRegistry, writeOciLayout } from './harness/registry.js';
import { startTokenServer } from './harness/token-server.js';
import { after } from 'node:test';

interface VerifyDoc {
  digest: string;
  length: number;
  registry?: { url: string; repository: string; tag: string; digest: string; mediaType?: string; via: string; match: boolean };
  error?: { code: string; details?: { served?: string; signed?: string } };
}

test('notary + docker-registry + skopeo: trust verify --registry confirms the signed digest, refuses a re-pushed tag', async (t) => {
  if (!(await requireTools(t, { ...notaryChecks, ...registryChecks }))) return;
  const pki = await makeNotaryPki();
  const ca = readFileSync(pki.caCert);
  const server = await startNotaryServer(pki);
  const registry = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, ca } });
  const client = await notaryClient(server);
  const gun = `${registry.host}/team/app`;
  const work = registry.work;

  // Push three images: a manifest (v1), an image index (multi), and a manifest that is signed but never pushed (ghost).
  const one = join(work, 'one');
  const manifest = await writeOciLayout(one, { ref: 'v1', text: 'first image\n' });
  await registry.push(one, 'v1', 'team/app:v1');
  const multi = join(work, 'multi');
  const index = await writeOciLayout(multi, { ref: 'multi', text: 'multi-platform image\n', index: true });
  await registry.push(multi, 'multi', 'team/app:multi', { all: true });
  assert.equal(await registry.inspectDigest('team/app:v1'), `sha256:${sha(manifest)}`, 'skopeo keeps OCI manifest bytes');
  assert.equal(await registry.inspectDigest('team/app:multi'), `sha256:${sha(index)}`, 'skopeo --all keeps the index bytes');

  // Sign exactly those bytes.
  const file = async (name: string, b: Buffer): Promise<string> => {
    const f = join(work, name);
    await writeFile(f, b);
    return f;
  };
  await client.run(['init', gun]);
  await client.run(['add', gun, 'v1', await file('m-v1', manifest)]);
  await client.run(['add', gun, 'multi', await file('m-multi', index)]);
  await client.run(['add', gun, 'ghost', await file('m-ghost', Buffer.from('{"never":"pushed"}'))]);
  await client.run(['publish', gun]);

  const state = join(work, 'state');
  const verify = (tag: string, extra: string[] = []): ReturnType<typeof runCli> =>
    runCli(['--state', state, '--json', 'trust', 'verify', `${gun}:${tag}`, '--server', server.url, '--ca', server.caFile, '--tofu', '--registry', registry.url, '--registry-ca', pki.caCert, ...extra]);

  const ok = verify('v1');
  assert.equal(ok.code, 0, ok.stderr);
  const d = JSON.parse(ok.stdout) as VerifyDoc;
  assert.equal(d.digest, `sha256:${sha(manifest)}`);
  assert.deepEqual(d.registry, { url: registry.url, repository: 'team/app', tag: 'v1', digest: d.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', via: 'head', match: true });

  const m = verify('multi');
  assert.equal(m.code, 0, m.stderr);
  const md = JSON.parse(m.stdout) as VerifyDoc;
  assert.equal(md.registry?.digest, `sha256:${sha(index)}`);
  assert.equal(md.registry?.mediaType, 'application/vnd.oci.image.index.v1+json');

  // Human output names the registry and the match.
  const human = runCli(['--state', state, 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--registry', registry.url, '--registry-ca', pki.caCert]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /registry https:\/\/127\.0\.0\.1:\d+ serves team\/app:v1 as sha256:[0-9a-f]{64}.*matches/);

  // Signed but absent from the registry: a refusal, not a runtime error.
  const ghost = verify('ghost');
  assert.equal(ghost.code, 1, ghost.stderr);
  assert.equal((JSON.parse(ghost.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_REGISTRY_MISMATCH');
  assert.match(ghost.stderr, /serves no manifest for the tag/);

  // The registry's CA not given: TLS fails, exit 3.
  const noCa = runCli(['--state', state, '--json', 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--registry', registry.url]);
  assert.equal(noCa.code, 3, noCa.stderr);
  assert.equal((JSON.parse(noCa.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_NETWORK');

  // Unreachable registry: exit 3.
  const port = await freePort('127.0.0.1');
  const gone = runCli(['--state', state, '--json', 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--registry', `https://127.0.0.1:${port}`, '--registry-ca', pki.caCert]);
  assert.equal(gone.code, 3, gone.stderr);
  assert.equal((JSON.parse(gone.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_NETWORK');

  // Usage: registry flags without --registry; plain http refused.
  const usage = runCli(['--state', state, '--json', 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--registry-ca', pki.caCert]);
  assert.equal(usage.code, 2);
  const plain = runCli(['--state', state, '--json', 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--registry', `http://${registry.host}`]);
  assert.equal(plain.code, 2);
  assert.equal((JSON.parse(plain.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_USAGE');

  // After signing, someone pushes another manifest under the signed tag: refused, the served digest reported.
  const other = join(work, 'other');
  const replaced = await writeOciLayout(other, { ref: 'v1', text: 'NOT the signed image\n' });
  await registry.push(other, 'v1', 'team/app:v1');
  const bad = verify('v1');
  assert.equal(bad.code, 1, bad.stderr);
  const bd = JSON.parse(bad.stdout) as VerifyDoc;
  assert.equal(bd.error?.code, 'ERR_TRUST_REGISTRY_MISMATCH');
  assert.equal(bd.error?.details?.served, `sha256:${sha(replaced)}`);
  assert.equal(bd.error?.details?.signed, `sha256:${sha(manifest)}`);

  // The library, directly: the same refusal, and GET-path agreement with the registry's bytes.
  const rc = new RegistryClient({ url: registry.url, ca });
  try {
    await assert.rejects(confirmRegistryDigest(rc, { repository: 'team/app', tag: 'v1', signedDigest: `sha256:${sha(manifest)}` }), (e: { code?: string }) => e.code === 'ERR_TRUST_REGISTRY_MISMATCH');
    const now = await confirmRegistryDigest(rc, { repository: 'team/app', tag: 'v1', signedDigest: `sha256:${sha(replaced)}`, signedLength: replaced.length });
    assert.equal(now.match, true);
    await assert.rejects(
      confirmRegistryDigest(rc, { repository: 'team/app', tag: 'v1', signedDigest: `sha256:${sha(replaced)}`, signedLength: replaced.length + 1 }),
      (e: { code?: string; message: string }) => e.code === 'ERR_TRUST_REGISTRY_MISMATCH' && /bytes/.test(e.message),
    );
    assert.deepEqual((await rc.getManifest('team/app', 'v1')).body, replaced);
  } finally {
    rc.close();
  }
});

test('docker-registry with token auth: trust verify --registry gets a pull token with --registry-auth-file / $SWARMGUARD_REGISTRY_AUTH', async (t) => {
  if (!(await requireTools(t, { ...notaryChecks, ...registryChecks }))) return;
  const pki = await makeNotaryPki();
  const ca = readFileSync(pki.caCert);
  const signer = await makeCaSignedCert(pki, 'registry-token-signer', 'swarmguard test registry token signer');
  const tokens = await startTokenServer({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, signCert: signer.cert, signKey: signer.key, users: { ci: 'ci-secret' }, service: 'swarmguard-registry' });
  after(() => tokens.close());
  const server = await startNotaryServer(pki);
  const registry = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, ca }, auth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: pki.caCert } });
  const client = await notaryClient(server);
  const gun = `${registry.host}/team/locked`;
  const work = registry.work;

  const layout = join(work, 'img');
  const manifest = await writeOciLayout(layout, { ref: 'v1', text: 'behind a token\n' });
  await registry.push(layout, 'v1', 'team/locked:v1', { creds: 'ci:ci-secret' });
  const m = join(work, 'm');
  await writeFile(m, manifest);
  await client.run(['init', gun]);
  await client.run(['add', gun, 'v1', m]);
  await client.run(['publish', gun]);

  const state = join(work, 'state');
  const args = ['--state', state, '--json', 'trust', 'verify', `${gun}:v1`, '--server', server.url, '--ca', server.caFile, '--tofu', '--registry', registry.url, '--registry-ca', pki.caCert];
  const cred = join(work, 'registry-auth');
  await writeFile(cred, 'ci:ci-secret\n', { mode: 0o600 });
  const before = tokens.requests.length;
  const ok = await runCliAsync([...args, '--registry-auth-file', cred]);
  assert.equal(ok.code, 0, ok.stderr);
  const d = JSON.parse(ok.stdout) as VerifyDoc;
  assert.equal(d.registry?.digest, `sha256:${sha(manifest)}`);
  assert.equal(d.registry?.match, true);
  assert.deepEqual(tokens.requests.slice(before), [{ user: 'ci', scopes: ['repository:team/locked:pull'], granted: true }]);

  const viaEnv = await runCliAsync(args, { env: { SWARMGUARD_REGISTRY_AUTH: 'ci:ci-secret' } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);

  const none = await runCliAsync(args);
  assert.equal(none.code, 3, none.stderr);
  assert.equal((JSON.parse(none.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_AUTH');
  const wrong = await runCliAsync(args, { env: { SWARMGUARD_REGISTRY_AUTH: 'ci:nope' } });
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.equal((JSON.parse(wrong.stdout) as VerifyDoc).error?.code, 'ERR_TRUST_AUTH');
  assert.doesNotMatch(wrong.stderr + wrong.stdout, /nope|ci-secret/);
});

/**
 * Token auth against a real notary-server (`auth.type: token`): a test token
 * service (node https, ES256 JWTs with an x5c chain to the server's
 * rootcertbundle) and the real notary client publishing through it
 * (NOTARY_AUTH). Our verifier must answer the challenge, fetch a token with
 * the credentials it is given (file or environment, never argv) and agree
 * with `notary list`; without or with wrong credentials it fails with
 * ERR_TRUST_AUTH (exit 3).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { after } from 'node:test';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { createFetcher } from '../../src/trust/fetcher.js';
import { NotaryServerSource } from '../../src/trust/notary/source-http.js';
import { verifyNotaryTag } from '../../src/trust/notary/verify.js';
import { runCliAsync as runCli } from '../helpers/env.js';
import { requireTools } from './harness/interop.js';
import { makeCaSignedCert, makeNotaryPki, notaryChecks, notaryClient, startNotaryServer } from './harness/notary.js';
import { makeTempDir } from './harness/process.js';
import { startTokenServer } from './harness/token-server.js';

const GUN = '127.0.0.1:5000/team/private';

test('notary-server with token auth: the notary client publishes with NOTARY_AUTH, we verify with credentials, refuse clearly without', async (t) => {
  if (!(await requireTools(t, notaryChecks))) return;
  const pki = await makeNotaryPki();
  const signer = await makeCaSignedCert(pki, 'token-signer', 'swarmguard test token signer');
  const tokens = await startTokenServer({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, signCert: signer.cert, signKey: signer.key, users: { alice: 'alice-secret', bob: 'b:ob' } });
  after(() => tokens.close());
  const server = await startNotaryServer(pki, undefined, { auth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: pki.caCert } });
  const work = await makeTempDir('sgn-');

  // The server really demands a token.
  const anon = await notaryClient(server);
  await assert.rejects(anon.run(['list', GUN]));

  const client = await notaryClient(server, { env: { NOTARY_AUTH: Buffer.from('alice:alice-secret').toString('base64') } });
  const m = join(work, 'm');
  await writeFile(m, '{"schemaVersion":2,"signed":"behind a token"}');
  await client.run(['init', GUN]);
  await client.run(['add', GUN, 'v1', m]);
  await client.run(['publish', GUN]);
  // `notary list` asks anonymously (read-only): open pull to anonymous users for it, as for a public repository.
  tokens.anonymousPull = true;
  const listed = await client.list(GUN);
  tokens.anonymousPull = false;
  assert.equal(listed.length, 1);
  assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scopes.some((s) => s === `repository:${GUN}:pull,push` || s === `repository:${GUN}:push,pull`)), JSON.stringify(tokens.requests));

  // The library: credentials in the fetcher; the challenge's scope is asked for, pull only.
  const before = tokens.requests.length;
  const fetcher = createFetcher({ ca: readFileSync(pki.caCert), credentials: { username: 'bob', password: 'b:ob' } });
  try {
    const v = await verifyNotaryTag({ gun: GUN, tag: 'v1', source: new NotaryServerSource(server.url, GUN, fetcher), pin: { kind: 'tofu' }, clock: systemClock });
    assert.equal(v.digest, `sha256:${listed[0]!.digest}`);
    assert.equal(v.length, listed[0]!.size);
  } finally {
    fetcher.close();
  }
  const ours = tokens.requests.slice(before);
  // One token for the whole verification (root, timestamp, snapshot, targets share it).
  assert.deepEqual(ours, [{ user: 'bob', scopes: [`repository:${GUN}:pull`], granted: true }]);

  // The CLI: credentials from a file, and from the environment.
  const state = join(work, 'state');
  const credFile = join(work, 'notary-auth');
  await writeFile(credFile, 'alice:alice-secret\n', { mode: 0o600 });
  const args = ['--state', state, '--json', 'trust', 'verify', `${GUN}:v1`, '--server', server.url, '--ca', pki.caCert, '--tofu'];
  const viaFile = await runCli([...args, '--auth-file', credFile]);
  assert.equal(viaFile.code, 0, viaFile.stderr);
  assert.equal((JSON.parse(viaFile.stdout) as { digest: string }).digest, `sha256:${listed[0]!.digest}`);
  const viaEnv = await runCli(args, { env: { SWARMGUARD_NOTARY_AUTH: 'bob:b:ob' } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.doesNotMatch(viaEnv.stderr + viaEnv.stdout, /b:ob|alice-secret/);

  // No credentials: the token service refuses the anonymous request; exit 3 with ERR_TRUST_AUTH.
  const none = await runCli(args);
  assert.equal(none.code, 3, none.stderr);
  assert.equal((JSON.parse(none.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_AUTH');
  assert.match(none.stderr, /anonymous/);
  // Wrong password: the same code, naming the user, never the password.
  const wrong = await runCli(args, { env: { SWARMGUARD_NOTARY_AUTH: 'alice:not-it' } });
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'ERR_TRUST_AUTH');
  assert.match(wrong.stderr, /"alice"/);
  assert.doesNotMatch(wrong.stderr + wrong.stdout, /not-it/);
  // A malformed credentials file is bad input.
  const badFile = join(work, 'bad-auth');
  await writeFile(badFile, 'no-colon-here\n');
  const malformed = await runCli([...args, '--auth-file', badFile]);
  assert.equal(malformed.code, 2, malformed.stderr);
});

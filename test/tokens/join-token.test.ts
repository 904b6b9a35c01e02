import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createJoinToken, digestPartFor, parseJoinToken, rootDigest, tokenFingerprint, tokensEqual } from '../../src/tokens/join-token.js';
import { loadRootBundle } from '../../src/tokens/root-bundle.js';
import { verifyJoinToken } from '../../src/tokens/verify.js';
import { inspectJoinToken } from '../../src/tokens/inspect.js';
import { makeRoot } from './fixtures.js';

const D = '6b4neffktcpkngkf086s5nlv5hf0sgp92si6wl8dosjrhrcw2e';

test('spec 1.4: the digest part is base36 of the SHA-256 of the PEM bytes, padded to 50', () => {
  // A hash with leading zero bytes must still give 50 characters.
  const root = makeRoot();
  const part = digestPartFor(root.pem);
  assert.equal(part.length, 50);
  assert.equal(BigInt('0x' + createHash('sha256').update(root.pem).digest('hex')), [...part].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n));
  // The digest decodes back to the same hash (spec 1.2 "Decoding").
  const t = parseJoinToken(`SWMTKN-1-${part}-${'0'.repeat(25)}`);
  assert.equal(t.rootDigestHex, rootDigest(root.pem).toString('hex'));
});

test('the observed real digest (spec 1.4) parses to a 64-hex SHA-256 starting fd22d501', () => {
  const t = parseJoinToken(`SWMTKN-1-${D}-${'a'.repeat(25)}`);
  assert.match(t.rootDigestHex, /^fd22d501[0-9a-f]{48}0cf37c56$/);
});

test('create: v1 and the FIPS v2 form, 25-char secret from 16 bytes, padded', () => {
  const root = makeRoot();
  const zero = createJoinToken(root.pem, { random: (n) => Buffer.alloc(n) });
  assert.match(zero, /^SWMTKN-1-[0-9a-z]{50}-0{25}$/);
  const max = createJoinToken(root.pem, { random: (n) => Buffer.alloc(n, 0xff) });
  assert.equal(max.split('-')[3], (2n ** 128n - 1n).toString(36).padStart(25, '0'));
  const fips = createJoinToken(root.pem, { fips: true });
  assert.match(fips, /^SWMTKN-2-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  const p = parseJoinToken(fips);
  assert.equal(p.version, 2);
  assert.equal(p.fips, true);
  assert.notEqual(createJoinToken(root.pem), createJoinToken(root.pem));
});

test('parse: each malformed part is named, the token never appears in the message', () => {
  const good = `SWMTKN-1-${D}-${'b'.repeat(25)}`;
  const cases: Array<[string, string]> = [
    ['', 'token'],
    ['x'.repeat(300), 'token'],
    [good.replace('SWMTKN', 'SWMKEY'), 'prefix'],
    [good.replace('-1-', '-3-'), 'version'],
    [good + '-extra', 'parts'],
    [`SWMTKN-2-7-${D}-${'b'.repeat(25)}`, 'fips-flag'],
    [`SWMTKN-2-1-${D}`, 'parts'],
    [`SWMTKN-1-${D.slice(1)}-${'b'.repeat(25)}`, 'digest'],
    [`SWMTKN-1-${D.toUpperCase()}-${'b'.repeat(25)}`, 'digest'],
    [`SWMTKN-1-${'z'.repeat(50)}-${'b'.repeat(25)}`, 'digest'],
    [`SWMTKN-1-${D}-${'b'.repeat(26)}`, 'secret'],
    [`SWMTKN-1-${D}-${'z'.repeat(25)}`, 'secret'],
    [`SWMTKN-1-${D}-${'b'.repeat(24)}_`, 'secret'],
  ];
  for (const [input, part] of cases) {
    assert.throws(
      () => parseJoinToken(input),
      (e: { code: string; details: { part: string }; message: string; exitCode: number }) => {
        assert.equal(e.code, 'ERR_TOKEN_MALFORMED', input);
        assert.equal(e.details.part, part, input);
        assert.equal(e.exitCode, 2);
        if (input.length > 30) assert.ok(!e.message.includes(input.split('-').pop()!), 'secret part not in message');
        return true;
      },
    );
  }
  assert.equal(parseJoinToken(` ${good}\n`).secretPart, 'b'.repeat(25));
});

test('verify: match, mismatch with the expected digest, and an edited (CRLF) copy of the right root', () => {
  const root = makeRoot();
  const other = makeRoot();
  const token = createJoinToken(root.pem);
  const ok = verifyJoinToken(token, loadRootBundle(root.pem));
  assert.equal(ok.match, true);
  assert.equal(ok.fingerprint, tokenFingerprint(token));
  assert.equal(ok.fingerprint.length, 8);
  const no = verifyJoinToken(token, loadRootBundle(other.pem));
  assert.equal(no.match, false);
  assert.equal(no.expectedRootDigest, `sha256:${rootDigest(root.pem).toString('hex')}`);
  assert.equal(no.matchesCanonicalLayout, false);
  const crlf = verifyJoinToken(token, loadRootBundle(root.pem.replace(/\n/g, '\r\n')));
  assert.equal(crlf.match, false);
  assert.equal(crlf.matchesCanonicalLayout, true);
  assert.match(crlf.layoutNote!, /CR/);
  // The digest covers the whole bundle: appending another root changes it (spec 1.2).
  assert.equal(verifyJoinToken(token, loadRootBundle(root.pem + other.pem)).match, false);
});

test('root bundle: empty, not PEM, no certificate → ERR_TOKEN_ROOT', () => {
  for (const bad of ['', 'hello', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
    assert.throws(() => loadRootBundle(bad), { code: 'ERR_TOKEN_ROOT' });
  }
});

test('constant-time equality and inspect against a swarm view', () => {
  const root = makeRoot();
  const worker = createJoinToken(root.pem);
  const manager = createJoinToken(root.pem);
  assert.equal(tokensEqual(worker, worker), true);
  assert.equal(tokensEqual(worker, manager), false);
  assert.equal(tokensEqual(worker, ''), false);
  const swarm = { clusterId: 'c1', versionIndex: 1, spec: {}, joinTokens: { worker, manager }, trustRootPem: root.pem, autolock: false };
  const i = inspectJoinToken(manager, { swarm, root: loadRootBundle(root.pem) });
  assert.equal(i.swarm!.currentRole, 'manager');
  assert.equal(i.swarm!.rootMatch, true);
  assert.equal(i.root!.match, true);
  assert.equal(i.secret.value, '[redacted]');
  assert.ok(!JSON.stringify(i).includes(manager.split('-')[3]!));
  const stale = inspectJoinToken(createJoinToken(root.pem), { swarm });
  assert.equal(stale.swarm!.currentRole, null);
});

/**
 * CRL processing in the chain validator (RFC 5280 6.3 basics): CRLs from
 * @peculiar/x509's X509CrlGenerator and from our own CA (ca revoke + signCrl).
 */
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority } from '../../../src/ca/authority.js';
import { signCrl } from '../../../src/ca/crl.js';
import { initCa } from '../../../src/ca/init.js';
import { revokeCertificate } from '../../../src/ca/revoke.js';
import { fixedClock, systemClock } from '../../../src/core/clock.js';
import { toPem } from '../../../src/core/pem.js';
import { parseCertificate, parseCertificates } from '../../../src/core/x509/parse.js';
import { parseCrl, parseCrls, verifyChain, type VerifyOptions } from '../../../src/core/x509/verify.js';
import { FileStore } from '../../../src/store/file-store.js';
import { makeCsr } from '../../helpers/csr.js';
import { tempDir } from '../../helpers/env.js';
import { AT, INTER_NAME, NEXT_UPDATE, ROOT_NAME, der, keyPair, makeCert, makeCrl, makePki, type Pki } from './crl-fixtures.js';

/** A name as the validator prints it. */
const text = (c: x509.X509Certificate): string => parseCertificate(der(c)).subject.text;
const base = (p: Pki, leaf = p.leaf): VerifyOptions => ({ leaf: der(leaf), intermediates: [der(p.inter)], roots: [der(p.root)], at: AT });

async function goodCrls(p: Pki, revokedLeaves: Array<{ serial: string; reason?: x509.X509CrlReason }> = []): Promise<Buffer[]> {
  return [der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys })), der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, revoked: revokedLeaves }))];
}

test('a listed leaf fails with ERR_X509_REVOKED naming serial, date and reason; an unlisted one passes with status good', async () => {
  const p = await makePki();
  const crls = await goodCrls(p, [{ serial: '1001', reason: x509.X509CrlReason.keyCompromise }]);
  const bad = verifyChain({ ...base(p), crls });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.equal(bad.code, 'ERR_X509_REVOKED');
  assert.match(bad.reason, /serial 1001/);
  assert.match(bad.reason, /2026-05-20T12:00:00\.000Z/);
  assert.match(bad.reason, /keyCompromise/);
  assert.equal(bad.revocation?.[0]?.status, 'revoked');
  assert.equal(bad.revocation?.[0]?.reason, 'keyCompromise');

  const good = verifyChain({ ...base(p, p.other), crls });
  assert.ok(good.ok, good.ok ? '' : good.reason);
  assert.deepEqual(
    good.revocation.map((s) => [s.subject, s.status, s.crl?.number]),
    [
      ['CN=other.test', 'good', '1'],
      [text(p.inter), 'good', '1'],
    ],
  );
});

test('a revoked intermediate (on the root CRL) fails the path', async () => {
  const p = await makePki();
  const crls = [der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys, revoked: [{ serial: '0100', reason: x509.X509CrlReason.cACompromise }] })), der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys }))];
  const r = verifyChain({ ...base(p), crls });
  assert.equal(r.ok ? 'ok' : r.code, 'ERR_X509_REVOKED');
  assert.match(r.ok ? '' : r.reason, /CRL Test Intermediate.*serial 0100.*cACompromise/);
});

test('modes: default hard with CRLs (unknown fails), soft accepts unknown, off and no CRLs check nothing', async () => {
  const p = await makePki();
  const onlyRoot = [der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }))];
  const hard = verifyChain({ ...base(p), crls: onlyRoot });
  assert.equal(hard.ok ? 'ok' : hard.code, 'ERR_X509_REVOCATION_UNKNOWN');
  assert.match(hard.ok ? '' : hard.reason, /no CRL from .*CN=CRL Test Intermediate/);
  const soft = verifyChain({ ...base(p), crls: onlyRoot, revocation: 'soft' });
  assert.ok(soft.ok);
  assert.deepEqual(soft.ok && soft.revocation.map((s) => s.status), ['unknown', 'good']);
  // soft still fails a listed serial
  const listed = verifyChain({ ...base(p), crls: await goodCrls(p, [{ serial: '1001' }]), revocation: 'soft' });
  assert.equal(listed.ok ? 'ok' : listed.code, 'ERR_X509_REVOKED');
  assert.match(listed.ok ? '' : listed.reason, /reason not given/);
  const off = verifyChain({ ...base(p), crls: await goodCrls(p, [{ serial: '1001' }]), revocation: 'off' });
  assert.ok(off.ok);
  const none = verifyChain(base(p));
  assert.ok(none.ok);
  assert.deepEqual(none.ok && none.revocation.map((s) => s.status), ['unchecked', 'unchecked']);
  // isRevoked still vetoes in every mode
  assert.equal(verifyChain({ ...base(p), isRevoked: (c) => c.serialHex === '1001' }).ok, false);
  assert.throws(() => verifyChain({ ...base(p), revocation: 'sometimes' as never }), TypeError);
});

test('stale, not-yet-valid, nextUpdate-less, wrong-signer and wrong-name CRLs leave the status unknown', async () => {
  const p = await makePki();
  const root = der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['stale', der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, nextUpdate: new Date('2026-05-31T00:00:00Z') })), /is stale \(nextUpdate 2026-05-31/],
    ['future', der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, thisUpdate: new Date('2026-06-02T00:00:00Z'), nextUpdate: new Date('2026-06-09T00:00:00Z') })), /not valid before/],
    ['no nextUpdate', der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, nextUpdate: null })), /has no nextUpdate/],
    ['wrong signer', der(await makeCrl({ issuer: INTER_NAME, signer: await keyPair() })), /not signed by the key of .*CN=CRL Test Intermediate/],
    ['wrong name', der(await makeCrl({ issuer: 'CN=Somebody Else', signer: p.interKeys })), /no CRL from .*CN=CRL Test Intermediate/],
  ];
  for (const [name, crl, why] of cases) {
    const r = verifyChain({ ...base(p), crls: [root, crl] });
    assert.equal(r.ok ? 'ok' : r.code, 'ERR_X509_REVOCATION_UNKNOWN', name);
    assert.match(r.ok ? '' : r.reason, why, name);
  }
  // nextUpdate is exclusive: at == nextUpdate is stale
  const exact = verifyChain({ ...base(p), at: NEXT_UPDATE, crls: await goodCrls(p) });
  assert.equal(exact.ok ? 'ok' : exact.code, 'ERR_X509_REVOCATION_UNKNOWN');
  // a bad CRL next to a good one of the same issuer does not matter (PKITS 4.4.7)
  const two = verifyChain({ ...base(p), crls: [root, der(await makeCrl({ issuer: INTER_NAME, signer: await keyPair() })), der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys }))] });
  assert.ok(two.ok);
});

test('an issuer whose keyUsage lacks cRLSign cannot vouch for its certificates', async () => {
  const p = await makePki({ interKeyUsage: x509.KeyUsageFlags.keyCertSign });
  const r = verifyChain({ ...base(p), crls: await goodCrls(p) });
  assert.equal(r.ok ? 'ok' : r.code, 'ERR_X509_REVOCATION_UNKNOWN');
  assert.match(r.ok ? '' : r.reason, /no cRLSign/);
});

test('CRLs we cannot honour are unusable, never "good": unknown critical extensions, delta CRLs, indirect entries, unknown critical entry extensions', async () => {
  const p = await makePki();
  const root = der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const nul = Buffer.from([0x05, 0x00]);
  const variants: Array<[string, Partial<Parameters<typeof makeCrl>[0]>, RegExp]> = [
    ['unknown critical CRL extension', { extensions: [new x509.Extension('1.2.3.4', true, nul)] }, /unknown critical extension 1\.2\.3\.4/],
    ['delta CRL', { extensions: [new x509.Extension('2.5.29.27', true, Buffer.from([0x02, 0x01, 0x01]))] }, /delta CRL/],
    ['unknown critical entry extension', { revoked: [{ serial: '7777', extensions: [new x509.Extension('1.2.3.5', true, nul)] }] }, /entry for serial 7777 has an unknown critical extension/],
    ['indirect entry', { revoked: [{ serial: '7778', extensions: [new x509.Extension('2.5.29.29', true, Buffer.from('3000', 'hex'))] }] }, /indirect CRL/],
    ['onlySomeReasons IDP', { extensions: [new x509.Extension('2.5.29.28', true, Buffer.from('300483020560', 'hex'))] }, /onlySomeReasons/],
  ];
  for (const [name, extra, why] of variants) {
    const crl = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, ...extra }));
    const parsed = parseCrl(crl);
    assert.match(parsed.unusable ?? '', why, name);
    const r = verifyChain({ ...base(p, p.other), crls: [root, crl] });
    assert.equal(r.ok ? 'ok' : r.code, 'ERR_X509_REVOCATION_UNKNOWN', name);
    assert.equal(verifyChain({ ...base(p, p.other), crls: [root, crl], revocation: 'soft' }).ok, true, name);
  }
  // a non-critical unknown extension is fine
  const fine = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, extensions: [new x509.Extension('1.2.3.4', false, nul)] }));
  assert.ok(verifyChain({ ...base(p), crls: [root, fine] }).ok);
});

test('a current delta CRL from the issuer makes a base "good" or a hold undecidable (deltas are not read)', async () => {
  const p = await makePki();
  const root = der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const base_ = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, revoked: [{ serial: '1002', reason: x509.X509CrlReason.certificateHold }] }));
  const delta = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, number: 2, extensions: [new x509.Extension('2.5.29.27', true, Buffer.from([0x02, 0x01, 0x01]))] }));
  assert.equal(parseCrl(delta).delta, true);
  const good = verifyChain({ ...base(p), crls: [root, base_, delta] });
  assert.match(good.ok ? '' : good.reason, /delta CRLs are not supported/);
  const held = verifyChain({ ...base(p, p.other), crls: [root, base_, delta] });
  assert.equal(held.ok ? 'ok' : held.code, 'ERR_X509_REVOCATION_UNKNOWN');
  // without the delta the hold is a revocation
  const onHold = verifyChain({ ...base(p, p.other), crls: [root, base_] });
  assert.match(onHold.ok ? '' : onHold.reason, /certificateHold/);
  // a delta signed by someone else changes nothing
  const foreign = der(await makeCrl({ issuer: INTER_NAME, signer: await keyPair(), extensions: [new x509.Extension('2.5.29.27', true, Buffer.from([0x02, 0x01, 0x01]))] }));
  assert.ok(verifyChain({ ...base(p), crls: [root, base_, foreign] }).ok);
});

test('IDP scope: onlyContainsCACerts does not cover a leaf, onlyContainsUserCerts does', async () => {
  const p = await makePki();
  const root = der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const onlyCa = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, extensions: [new x509.Extension('2.5.29.28', true, Buffer.from('30038201ff', 'hex'))] }));
  const onlyUser = der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, extensions: [new x509.Extension('2.5.29.28', true, Buffer.from('30038101ff', 'hex'))] }));
  const r = verifyChain({ ...base(p), crls: [root, onlyCa] });
  assert.match(r.ok ? '' : r.reason, /covers only CA certificates/);
  assert.ok(verifyChain({ ...base(p), crls: [root, onlyUser] }).ok);
});

// Negative and long serials are covered by PKITS 4.4.14-4.4.18 in corpora.test.ts (the generator here cannot encode a negative one).
test('removeFromCRL entries do not revoke; other reasons do', async () => {
  const p = await makePki();
  const crls = await goodCrls(p, [
    { serial: '1001', reason: x509.X509CrlReason.removeFromCRL },
    { serial: '1002', reason: x509.X509CrlReason.superseded },
  ]);
  assert.ok(verifyChain({ ...base(p), crls }).ok);
  assert.equal(parseCrl(crls[1]!).entries.size, 1);
  const r = verifyChain({ ...base(p, p.other), crls });
  assert.match(r.ok ? '' : r.reason, /serial 1002.*superseded/);
});

test('path building tries another path when one fails on revocation', async () => {
  const p = await makePki();
  // a second intermediate certificate: same subject and key, other serial; the root revoked the first one
  const reissued = await makeCert({ serial: '0200', subject: INTER_NAME, issuer: ROOT_NAME, keys: p.interKeys, signer: p.rootKeys, ca: true });
  const crls = [der(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys, revoked: [{ serial: '0100', reason: x509.X509CrlReason.superseded }] })), der(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys }))];
  const r = verifyChain({ ...base(p), intermediates: [der(p.inter), der(reissued)], crls });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.chain[1]!.serialHex, '0200');
  assert.ok(r.chain.length === 3);
});

test('parseCrls: a PEM file with several CRLs, one DER CRL, and typed errors for junk', async () => {
  const p = await makePki();
  const [a, b] = await goodCrls(p);
  const pem = Buffer.from(`junk before\n${toPem('X509 CRL', a!)}${toPem('X509 CRL', b!)}`);
  const both = parseCrls(pem, 'crls.pem');
  assert.deepEqual(
    both.map((c) => c.issuer.text),
    [text(p.root), text(p.inter)],
  );
  assert.equal(parseCrls(a!, 'one.der').length, 1);
  assert.throws(() => parseCrls(Buffer.from('hello'), 'x'), { code: 'ERR_X509_CRL_MALFORMED' });
  assert.throws(() => parseCrls(Buffer.from(toPem('CERTIFICATE', Buffer.from([0x30, 0x00]))), 'x'), { code: 'ERR_PEM_NO_BLOCK' });
  const cut = Buffer.from(a!.subarray(0, a!.length - 3));
  assert.throws(() => parseCrl(cut), { code: 'ERR_X509_CRL_MALFORMED' });
});

test("our CA's CRL (ca revoke + signCrl) revokes what it lists and vouches for the rest", async (t) => {
  const { dir, cleanup } = tempDir();
  const store = new FileStore(path.join(dir, 'state'));
  t.after(async () => {
    await store.close();
    cleanup();
  });
  const pass = Buffer.from('crl validator test passphrase');
  await initCa(store, { passphrase: pass, clusterId: 'c1' }, systemClock);
  const ca = await CertificateAuthority.open(store, { passphrase: pass, clock: systemClock });
  const a = await ca.issue({ csr: makeCsr().der, role: 'worker', nodeId: 'n1', via: 'test' });
  const b = await ca.issue({ csr: makeCsr().der, role: 'manager', nodeId: 'n2', via: 'test' });
  await revokeCertificate(store, { serial: a.serialHex, reason: 'keyCompromise' }, systemClock);
  const now = new Date();
  const crl = await signCrl(store, ca.signer, fixedClock(now));
  const roots = parseCertificates(Buffer.from(ca.state.trustRootPem));
  const crls = parseCrls(Buffer.from(crl.pem));
  const at = new Date(now.getTime() + 60_000);
  const ra = verifyChain({ leaf: a.der, roots, at, crls });
  assert.equal(ra.ok ? 'ok' : ra.code, 'ERR_X509_REVOKED');
  assert.match(ra.ok ? '' : ra.reason, /keyCompromise/);
  const rb = verifyChain({ leaf: b.der, roots, at, crls });
  assert.ok(rb.ok, rb.ok ? '' : rb.reason);
  assert.equal(rb.revocation[0]!.status, 'good');
  assert.equal(rb.revocation[0]!.crl?.number, String(crl.number));
  // after nextUpdate the CA's CRL is stale
  const late = verifyChain({ leaf: b.der, roots, at: new Date(crl.nextUpdate.getTime() + 1000), crls });
  assert.equal(late.ok ? 'ok' : late.code, 'ERR_X509_REVOCATION_UNKNOWN');
});

/**
 * CRL checking against the real `openssl`: for revoked / good / stale /
 * wrong-signer / missing / revoked-intermediate CRL sets, `openssl verify
 * -crl_check_all -CRLfile` and `swarmguard cert verify --crl` (revocation
 * hard) must agree on pass/fail, and `openssl crl` must read our parse of
 * the same files (issuer signature, serials, update times) the same way.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { toPem } from '../../src/core/pem.js';
import { parseCrls } from '../../src/core/x509/verify.js';
import { cliPath } from '../helpers/env.js';
import { AT, INTER_NAME, NEXT_UPDATE, ROOT_NAME, der, keyPair, makeCrl, makePki } from '../core/x509/crl-fixtures.js';
import { checks, requireTool } from './harness/interop.js';
import { opensslVerify } from './harness/openssl.js';
import { makeTempDir, runCommand } from './harness/process.js';

const epoch = (d: Date): number => Math.floor(d.getTime() / 1000);

test('openssl verify -crl_check_all and swarmguard cert verify --crl agree on revoked, good, stale, wrong-signer and missing CRLs', async (t) => {
  if (!(await requireTool(t, 'openssl', checks.openssl))) return;
  const dir = await makeTempDir('sg-crl-');
  const p = await makePki();
  const file = async (name: string, content: string): Promise<string> => {
    const f = join(dir, name);
    await writeFile(f, content);
    return f;
  };
  const caFile = await file('root.pem', p.root.toString('pem'));
  const interFile = await file('inter.pem', p.inter.toString('pem'));
  const leafFile = await file('leaf.pem', p.leaf.toString('pem'));
  const otherFile = await file('other.pem', p.other.toString('pem'));
  const pem = (c: x509.X509Crl): string => toPem('X509 CRL', der(c));
  const rootCrl = pem(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys }));
  const interCrl = pem(await makeCrl({ issuer: INTER_NAME, signer: p.interKeys, revoked: [{ serial: '1001', reason: x509.X509CrlReason.keyCompromise }] }));
  const wrongSigner = pem(await makeCrl({ issuer: INTER_NAME, signer: await keyPair() }));
  const rootRevokesInter = pem(await makeCrl({ issuer: ROOT_NAME, signer: p.rootKeys, revoked: [{ serial: '0100', reason: x509.X509CrlReason.cACompromise }] }));
  const late = new Date(NEXT_UPDATE.getTime() + 3_600_000);

  const cases: Array<{ name: string; cert: string; crls: string; at: Date; want: 'ok' | 'ERR_X509_REVOKED' | 'ERR_X509_REVOCATION_UNKNOWN' }> = [
    { name: 'revoked leaf', cert: leafFile, crls: rootCrl + interCrl, at: AT, want: 'ERR_X509_REVOKED' },
    { name: 'good leaf', cert: otherFile, crls: rootCrl + interCrl, at: AT, want: 'ok' },
    { name: 'stale CRLs', cert: otherFile, crls: rootCrl + interCrl, at: late, want: 'ERR_X509_REVOCATION_UNKNOWN' },
    { name: 'wrong signer', cert: otherFile, crls: rootCrl + wrongSigner, at: AT, want: 'ERR_X509_REVOCATION_UNKNOWN' },
    { name: 'no CRL for the intermediate', cert: otherFile, crls: rootCrl, at: AT, want: 'ERR_X509_REVOCATION_UNKNOWN' },
    { name: 'revoked intermediate', cert: otherFile, crls: rootRevokesInter + interCrl, at: AT, want: 'ERR_X509_REVOKED' },
  ];
  for (const [i, c] of cases.entries()) {
    const crlFile = await file(`crls-${i}.pem`, c.crls);
    const theirs = await opensslVerify({ caFile, untrustedFile: interFile, certFile: c.cert, atTime: epoch(c.at), extraArgs: ['-crl_check_all', '-CRLfile', crlFile] });
    const ours = await runCommand(process.execPath, [cliPath, 'cert', 'verify', '--json', '--ca', caFile, '--untrusted', interFile, '--crl', crlFile, '--at', c.at.toISOString(), c.cert]);
    const doc = JSON.parse(ours.stdout) as { valid: boolean; code?: string; revocation?: Array<{ status: string }> };
    t.diagnostic(`${c.name}: openssl ${theirs.ok ? 'OK' : theirs.output.split('\n').find((l) => l.startsWith('error'))}; swarmguard ${doc.valid ? 'OK' : doc.code}`);
    assert.equal(doc.valid, theirs.ok, `${c.name}: openssl and swarmguard disagree (${theirs.output.trim()})`);
    assert.equal(doc.valid ? 'ok' : doc.code, c.want, c.name);
    assert.equal(ours.code, c.want === 'ok' ? 0 : 1, c.name);
    assert.ok(Array.isArray(doc.revocation) && doc.revocation.length === 2, `${c.name}: per-certificate revocation status`);
    if (c.want === 'ERR_X509_REVOKED') assert.match(theirs.output, /certificate revoked/);
    if (c.name === 'stale CRLs') assert.match(theirs.output, /CRL has expired/);
  }

  // openssl crl reads the same issuer signature, serials and times
  for (const [name, text, signerFile, signedOk] of [
    ['intermediate CRL', interCrl, interFile, true],
    ['wrong signer', wrongSigner, interFile, false],
  ] as const) {
    const f = await file(`${name.replace(/ /g, '-')}.pem`, text);
    const sig = await runCommand('openssl', ['crl', '-in', f, '-noout', '-CAfile', signerFile]);
    assert.equal(/verify OK/.test(sig.stdout + sig.stderr), signedOk, `${name}: ${sig.stdout}${sig.stderr}`);
    const dump = (await runCommand('openssl', ['crl', '-in', f, '-noout', '-text'])).stdout;
    const [ours] = parseCrls(Buffer.from(text));
    const serials = [...dump.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase());
    assert.deepEqual(serials, [...ours!.entries.keys()], name);
    const next = /Next Update: (.+)/.exec(dump)?.[1];
    assert.equal(new Date(next!).getTime(), ours!.nextUpdate!.getTime(), name);
    if (signedOk) assert.match(dump, /Key Compromise/);
  }
});

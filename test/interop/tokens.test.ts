/**
 * Join tokens and unlock keys against a real dockerd (swarmkit spec §1, §6):
 * our digest equals the one in the daemon's tokens, our parser and verifier
 * accept them, the unlock key opens the real encrypted node key and its
 * raft-dek record, and a key re-encrypted by us is accepted by the daemon.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createJoinToken, parseJoinToken } from '../../src/tokens/join-token.js';
import { parseNodeKeyFile } from '../../src/tokens/node-key.js';
import { loadRootBundle } from '../../src/tokens/root-bundle.js';
import { parseUnlockKey } from '../../src/tokens/unlock-key.js';
import { loadNodeCertificate, verifyUnlockKey } from '../../src/tokens/unlock-verify.js';
import { verifyJoinToken } from '../../src/tokens/verify.js';
import { randomBytes } from 'node:crypto';
import { startDockerd } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';

test('real autolocked swarm: tokens name the TrustRoot, the unlock key opens swarm-node.key and its raft-dek', async (t) => {
  if (!(await requireDockerd(t))) return;
  const daemon = await startDockerd();
  const swarm = await daemon.swarmInit({ extraArgs: ['--autolock'] });
  const info = (await daemon.api('GET', '/v1.41/swarm')).json<{ TLSInfo: { TrustRoot: string } }>();
  const rootFile = await readFile(daemon.certificates.rootCa);
  assert.equal(rootFile.toString('utf8'), info.TLSInfo.TrustRoot, 'the API TrustRoot is the file, byte for byte');
  const root = loadRootBundle(rootFile);
  for (const token of [swarm.workerToken, swarm.managerToken]) {
    const v = verifyJoinToken(token, root);
    assert.equal(v.match, true);
    assert.equal(v.layoutNote, undefined);
  }
  const ours = createJoinToken(rootFile);
  assert.equal(parseJoinToken(ours).digestPart, parseJoinToken(swarm.workerToken).digestPart);

  const unlockKey = (await daemon.docker(['swarm', 'unlock-key', '-q'], { check: true })).stdout.trim();
  const kek = parseUnlockKey(unlockKey);
  const file = parseNodeKeyFile(await readFile(daemon.certificates.nodeKey));
  assert.equal(file.format, 'encrypted-pkcs8');
  const cert = loadNodeCertificate(await readFile(daemon.certificates.nodeCert));
  const report = verifyUnlockKey(file, { kek, certificate: cert });
  t.diagnostic(JSON.stringify({ ...report, notes: report.notes }));
  assert.equal(report.status, 'opens');
  assert.equal(report.ok, true);
  assert.deepEqual(report.nodeKey.pbes2!.deviations, []);
  assert.equal(report.deks.find((d) => d.header === 'raft-dek')?.bytes, 32);
  assert.equal(report.certificate!.matchesKey, true);
  assert.equal(verifyUnlockKey(file, { kek: randomBytes(32) }).status, 'wrong-key');
});

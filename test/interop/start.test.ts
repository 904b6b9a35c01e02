/**
 * `npm start` (swarmguard start) against a real engine: it audits the local
 * engine when one answers and shows the CA; without one it says why it skipped.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/env.js';
import { startDockerd } from './harness/dockerd.js';
import { requireDockerd } from './harness/interop.js';

test('start audits the reachable engine and creates the CA', async (t) => {
  if (!(await requireDockerd(t))) return;
  const daemon = await startDockerd();
  await daemon.swarmInit();
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const pp = path.join(dir, 'pass');
  writeFileSync(pp, 'start passphrase for the test\n');
  const r = runCli(['--json', '--state', path.join(dir, 'state'), 'start', '--passphrase-file', pp], { env: { DOCKER_HOST: daemon.host } });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { created: boolean; audit: { reachable: boolean; findings: Array<{ rule: string; status: string }> } };
  assert.equal(doc.created, true);
  assert.equal(doc.audit.reachable, true);
  assert.ok(doc.audit.findings.length > 20);
  assert.ok(doc.audit.findings.some((f) => f.rule === 'cis-7.5' && f.status === 'fail'), 'autolock off is reported');
  assert.ok(doc.audit.findings.some((f) => f.rule === 'cis-2.16' && f.status === 'pass'), 'host facts of the local engine: --userland-proxy=false');
  const human = runCli(['--state', path.join(dir, 'state'), 'start'], { env: { DOCKER_HOST: daemon.host } });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /audit of unix:\/\/.*: pass \d+, fail \d+/);
  assert.match(human.stdout, /using root CA/);
});

test('start without a reachable engine says the audit was skipped', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const r = runCli(['--json', '--state', path.join(dir, 'state'), 'start'], { env: { DOCKER_HOST: `unix://${path.join(dir, 'no.sock')}` } });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { audit: { reachable: boolean; reason: string } };
  assert.equal(doc.audit.reachable, false);
  assert.match(doc.audit.reason, /cannot reach the engine/);
});

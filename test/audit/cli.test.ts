import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/env.js';
import { fixtures } from './helpers.js';

const raw = path.join(fixtures, 'valid_raw_api');
const AT = ['--at', '2026-06-01T00:00:00Z'];

test('audit --snapshot of raw API answers: findings rule by rule, --json shape', () => {
  const r = runCli(['--json', 'audit', '--snapshot', raw, ...AT]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { findings: Array<{ rule: string; status: string; target: { name?: string; id: string } }>; summary: Record<string, number> };
  const st = (rule: string, target?: string) => doc.findings.filter((f) => f.rule === rule && (!target || (f.target.name ?? f.target.id) === target)).map((f) => f.status);
  assert.deepEqual(st('cis-5.32'), ['fail']);
  assert.deepEqual(st('sw-22'), ['fail']);
  assert.deepEqual(st('cis-5.28'), ['fail']);
  assert.deepEqual(st('sw-17'), ['fail']);
  assert.deepEqual(st('cis-7.5'), ['fail']);
  assert.deepEqual(st('cis-7.3', 'plain'), ['fail']);
  assert.deepEqual(st('cis-7.3', 'secure'), ['pass']);
  assert.deepEqual(st('cis-7.3', 'ingress'), ['fail']);
  assert.deepEqual(st('cis-7.1'), ['fail']);
  assert.deepEqual(st('sw-03', 'm2'), ['fail']);
  assert.deepEqual(st('sw-14', 'm2'), ['fail']);
  assert.deepEqual(st('cis-2.16'), ['unknown']);
  assert.deepEqual(st('cis-2.13'), ['unknown'], 'info.json is missing');
  assert.equal(typeof doc.summary.fail, 'number');
  assert.doesNotMatch(r.stdout, /SWMTKN|hunter2/);
});

test('--fail-on decides exit 1; --disable and --severity apply; unknown rule is exit 2', () => {
  assert.equal(runCli(['audit', '--snapshot', raw, '--fail-on', 'critical']).code, 1);
  assert.equal(runCli(['audit', '--snapshot', raw, '--fail-on', 'critical', '--disable', 'cis-5.32', '--disable', 'sw-23', '--disable', 'sw-02']).code, 0);
  assert.equal(runCli(['audit', '--snapshot', raw, '--fail-on', 'critical', '--disable', 'cis-5.32', '--disable', 'sw-23', '--disable', 'sw-02', '--severity', 'cis-7.5=critical']).code, 1);
  const bad = runCli(['audit', '--snapshot', raw, '--disable', 'cis-99']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_AUDIT_UNKNOWN_RULE/);
  assert.equal(runCli(['audit', '--snapshot', raw, '--fail-on', 'urgent']).code, 2);
});

test('waivers: a live waiver waives, an expired one no longer applies and says so', () => {
  const r = runCli(['--json', 'audit', '--snapshot', raw, '--policy', path.join(fixtures, 'valid_policy_waivers.json'), ...AT]);
  const doc = JSON.parse(r.stdout) as { findings: Array<{ rule: string; status: string; severity: string; message: string; waiver?: { expired?: boolean } }> };
  const f = (id: string, status?: string) => doc.findings.find((x) => x.rule === id && (!status || x.status === status))!;
  assert.equal(f('sw-22').status, 'waived');
  assert.equal(f('cis-5.28').status, 'fail');
  assert.equal(f('cis-5.28').waiver?.expired, true);
  assert.match(f('cis-5.28').message, /waiver expired 2020-01-01/);
  assert.equal(f('cis-7.3', 'fail').severity, 'critical');
});

test('malformed snapshot JSON names the file (exit 2); unreachable engine is exit 3', () => {
  const r = runCli(['audit', '--snapshot', path.join(fixtures, 'invalid_json_swarm')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ERR_AUDIT_SNAPSHOT_JSON: .*invalid_json_swarm\/swarm\.json/);
  const u = runCli(['audit'], { env: { DOCKER_HOST: 'unix:///tmp/sg-no-such.sock' } });
  assert.equal(u.code, 3);
  assert.match(u.stderr, /ERR_ENGINE_UNREACHABLE: cannot audit: cannot reach the engine at unix:\/\/\/tmp\/sg-no-such\.sock/);
});

test('policy schema errors: every bad field of the file at once (exit 2)', () => {
  const r = runCli(['audit', '--snapshot', raw, '--policy', path.join(fixtures, 'invalid_policy_fields.json')]);
  assert.equal(r.code, 2);
  for (const want of ['/rules/0/severity', '/rules/0 must NOT have additional properties (extra)', '/rules/1/check/kind "no-such-kind"', '/rules/0/check/params/below must be integer', "/waivers/0 must have required property 'expires'"]) {
    assert.ok(r.stderr.includes(want), `missing ${want} in ${r.stderr}`);
  }
  assert.match(r.stderr, /invalid_policy_fields\.json/);
});

test('reporters: sarif 2.1.0, junit, text', () => {
  const s = JSON.parse(runCli(['audit', '--snapshot', raw, '--format', 'sarif']).stdout) as {
    version: string;
    runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; message: { text: string }; ruleIndex: number }> }>;
  };
  assert.equal(s.version, '2.1.0');
  const run = s.runs[0]!;
  assert.equal(run.tool.driver.name, 'swarmguard');
  const sock = run.results.find((x) => x.ruleId === 'cis-5.32')!;
  assert.equal(sock.level, 'error');
  assert.equal(run.tool.driver.rules[sock.ruleIndex]!.id, 'cis-5.32');
  assert.ok(run.results.every((x) => typeof x.message.text === 'string' && ['error', 'warning', 'note'].includes(x.level)));
  const j = runCli(['audit', '--snapshot', raw, '--format', 'junit']).stdout;
  assert.match(j, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="swarmguard audit" tests="\d+" failures="\d+" skipped="\d+">/);
  assert.match(j, /<testsuite name="cis-5.32" tests="1" failures="1" skipped="0">/);
  const t = runCli(['audit', '--snapshot', raw]).stdout;
  assert.match(t, /^FAIL \(\d+\)$/m);
  assert.doesNotMatch(t, /\x1b\[/, 'no colour when stdout is not a TTY');
});

test('audit snapshot round trip and audit diff', () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    writeFileSync(a, runCli(['--json', 'audit', '--snapshot', raw]).stdout);
    writeFileSync(b, runCli(['--json', 'audit', '--snapshot', raw, '--disable', 'cis-5.32']).stdout);
    const d = runCli(['--json', 'audit', 'diff', a, b]);
    assert.equal(d.code, 0);
    const doc = JSON.parse(d.stdout) as { fixed: Array<{ rule: string }>; new: unknown[] };
    assert.deepEqual(doc.fixed.map((f) => f.rule), ['cis-5.32']);
    assert.equal(runCli(['audit', 'diff', b, a]).code, 1);
    assert.equal(statSync(a).isFile(), true);
  } finally {
    cleanup();
  }
});


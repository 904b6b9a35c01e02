import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { auditFleet, parseFleetFile, progressBar, UNREACHABLE_RULE } from '../../src/audit/fleet.js';
import { loadPolicy } from '../../src/audit/policy.js';
import { isSwarmguardError } from '../../src/errors.js';
import { snap, NOW } from './helpers.js';

test('parseFleetFile: text and JSON forms; bad input is a typed error', () => {
  assert.deepEqual(parseFleetFile('# prod\nunix:///run/a.sock\n\ntcp://10.0.0.1:2376  # b\n').map((t) => t.engine), ['unix:///run/a.sock', 'tcp://10.0.0.1:2376']);
  const j = parseFleetFile(JSON.stringify({ tls: { ca: 'ca.pem' }, targets: [{ name: 'p', engine: 'tcp://m:2376', nodes: ['tcp://w1:2376'] }, 'unix:///x.sock'] }));
  assert.deepEqual(j[0], { name: 'p', engine: 'tcp://m:2376', tls: { ca: 'ca.pem' }, nodes: ['tcp://w1:2376'] });
  for (const bad of ['', 'ftp://x', '{"targets":[{"engine":"tcp://a:1","x":1}]}', '{"targets":3}', '[{', 'unix:///a\nunix:///a', '{"targets":[{"engine":"tcp://a:1","tls":{"pw":"x"}}]}']) {
    assert.throws(() => parseFleetFile(bad), (e) => isSwarmguardError(e) && /^ERR_AUDIT_FLEET_/.test(e.code), bad);
  }
});

test('parseFleetFile: fuzz yields targets or typed errors only', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.constantFrom('unix:///a', 'tcp://h:1', '#', '{', '"nodes"', '\n', ' ')).map((a) => a.join(''))), (s) => {
      try {
        const t = parseFleetFile(s);
        assert.ok(t.length > 0);
      } catch (e) {
        assert.ok(isSwarmguardError(e) && /^ERR_AUDIT_FLEET_/.test(e.code), String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('auditFleet: per-target findings carry their scope; an unreachable target or node is unknown, never pass; progress counts every job', async () => {
  const policy = await loadPolicy();
  const manager = snap({
    info: { Debug: true, LiveRestoreEnabled: true, Swarm: { NodeID: 'm1' } },
    swarm: { ID: 'swarmA' },
    nodes: [{ ID: 'm1', Spec: { Role: 'manager' }, ManagerStatus: { Leader: true, Reachability: 'reachable' }, Status: { State: 'ready' } }],
  });
  const progress: number[] = [];
  const r = await auditFleet(
    [
      { name: 'a', engine: 'unix:///a', nodes: ['tcp://n1:2376', 'tcp://n2:2376'] },
      { name: 'b', engine: 'unix:///b', nodes: [] },
    ],
    policy,
    {
      async collect(engine) {
        if (engine === 'unix:///b') throw new Error('ECONNREFUSED');
        return manager;
      },
      async nodeFacts(engine) {
        if (engine === 'tcp://n2:2376') throw new Error('timeout');
        return { info: { Debug: false, Swarm: { NodeID: 'w1' } } };
      },
      onProgress: (d) => progress.push(d),
    },
    { now: NOW, concurrency: 2 },
  );
  assert.deepEqual(progress.sort(), [1, 2, 3, 4]);
  assert.equal(r.summary.targets, 2);
  assert.equal(r.summary.unreachableTargets, 1);
  assert.equal(r.summary.unreachableNodes, 1);
  const debug = r.findings.filter((f) => f.rule === 'cis-2.3').filter((f) => f.target.kind === 'engine' && f.rule !== UNREACHABLE_RULE);
  assert.ok(debug.some((f) => f.scope.target === 'a' && !f.scope.node && f.status === 'fail'), 'the manager engine has Debug on');
  // Debug off in n1's own /info does not prove log-level info (that needs the node's host facts): unknown, not fail
  assert.ok(debug.some((f) => f.scope.node === 'tcp://n1:2376' && f.status === 'unknown'), 'node n1 has Debug off, from its own /info');
  assert.ok(!debug.some((f) => f.scope.node === 'tcp://n1:2376' && f.status === 'fail'), 'node n1 is not judged by the manager\'s Debug');
  const un = r.findings.filter((f) => f.rule === UNREACHABLE_RULE);
  assert.deepEqual(un.map((f) => [f.scope.target, f.scope.node ?? null, f.status]).sort(), [['a', 'tcp://n2:2376', 'unknown'], ['b', null, 'unknown']]);
  assert.ok(r.findings.filter((f) => f.scope.target === 'a').every((f) => f.scope.swarmId === 'swarmA'));
  assert.ok(r.findings.filter((f) => f.scope.node === 'tcp://n1:2376').every((f) => f.target.kind === 'engine'));
  assert.equal(r.targets[1]!.status, 'unreachable');
  assert.match(progressBar(1, 4, 'x'), /^\[#+\.+\] 1\/4 x$/);
});

test('CLI --fleet: bad file exit 2, nothing reachable exit 3, plain progress lines without a terminal', async () => {
  const { runCli, tempDir } = await import('../helpers/env.js');
  const { writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { dir, cleanup } = tempDir();
  try {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"targets":[{"engine":"ftp://x"}]}');
    const b = runCli(['audit', '--fleet', bad]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /ERR_AUDIT_FLEET_INVALID|engine URL/);
    const gone = path.join(dir, 'gone.txt');
    writeFileSync(gone, `unix://${path.join(dir, 'a.sock')}\nunix://${path.join(dir, 'b.sock')}\n`);
    const r = runCli(['--json', 'audit', '--fleet', gone]);
    assert.equal(r.code, 3);
    assert.doesNotMatch(r.stderr, /\x1b|\r/);
    assert.match(r.stderr, /audited 2\/2/);
    const doc = JSON.parse(r.stdout) as { summary: { unreachableTargets: number; pass: number } };
    assert.equal(doc.summary.unreachableTargets, 2);
    assert.equal(doc.summary.pass, 0);
    // --format json is the same document as --json (it used to fall back to text)
    const f = runCli(['audit', '--fleet', gone, '--format', 'json']);
    assert.equal(f.code, 3);
    assert.deepEqual(Object.keys(JSON.parse(f.stdout) as object), Object.keys(doc));
    assert.equal((JSON.parse(f.stdout) as typeof doc).summary.unreachableTargets, 2);
    assert.equal(runCli(['audit', '--fleet', gone, '--snapshot', dir]).code, 2);
    assert.equal(runCli(['audit', '--fleet', gone, '--format', 'sarif']).code, 2);
  } finally {
    cleanup();
  }
});

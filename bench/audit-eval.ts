/**
 * Child process of the audit benchmark: build the synthetic snapshot, then
 * evaluate every shipped policy over it `rounds` times. Prints one JSON line;
 * peak RSS is this process's own (generation included). `write DIR` saves the
 * 4,700-node snapshot as a snapshot directory instead.
 */
import { loadPolicy } from '../src/audit/policy.js';
import { evaluatePolicy } from '../src/audit/evaluate.js';
import { syntheticSwarm } from './synthetic-swarm.js';

if (process.argv[2] === 'write') {
  // `audit-eval.js write DIR`: the same snapshot as a directory, for timing the CLI on it
  const { writeSnapshot } = await import('../src/audit/load.js');
  await writeSnapshot(process.argv[3]!, syntheticSwarm({ nodes: 4700, managers: 5, services: 20_000, tasksPerService: 1, seed: 1 }));
  process.exit(0);
}
const [nodes, services, rounds, seed] = process.argv.slice(2).map(Number) as [number, number, number, number];
const t0 = performance.now();
const snap = syntheticSwarm({ nodes, managers: 5, services, tasksPerService: 1, seed });
const genMs = performance.now() - t0;
const policy = await loadPolicy();
const times: number[] = [];
let findings = 0;
let heapMax = 0;
let firstRssKb = 0;
const genRssKb = process.resourceUsage().maxRSS;
for (let i = 0; i < rounds; i++) {
  const s = performance.now();
  const r = evaluatePolicy(snap, policy, new Date('2026-11-28T00:00:00Z'));
  times.push(performance.now() - s);
  findings = r.findings.length;
  heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  // one audit = one evaluation: the peak a CLI process reaches
  if (i === 0) firstRssKb = process.resourceUsage().maxRSS;
}
process.stdout.write(JSON.stringify({ genMs, times, findings, rules: policy.rules.length, genRssKb, firstRssKb, maxRssKb: process.resourceUsage().maxRSS, heapUsedMax: heapMax }) + '\n');

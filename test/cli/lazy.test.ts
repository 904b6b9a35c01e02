/**
 * Lazy command areas (src/cli/commands/index.ts): each stub's help term and
 * description match its loaded area, argv scanning finds the area commander
 * will dispatch to, and a stub reached anyway reports itself so main can
 * load everything and parse again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { AREAS, areaNamed, registerCommands } from '../../src/cli/commands/index.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../helpers/env.js';

const noCtx = (): CliContext => {
  throw new Error('no context in this test');
};

function program(): Command {
  return new Command('swarmguard').option('--json', 'json').option('--state <dir>', 'state').exitOverride();
}

test('every stub matches its loaded area (term and description in the top-level help)', async () => {
  const full = program();
  await registerCommands(full, noCtx, [], true);
  const help = full.createHelp();
  for (const area of AREAS) {
    const cmd = full.commands.find((c) => c.name() === area.name);
    assert.ok(cmd, `${area.name} registers no command of that name`);
    assert.equal(help.subcommandTerm(cmd), area.term, area.name);
    assert.equal(cmd.description(), area.description, area.name);
  }
  assert.equal(full.commands.length, AREAS.length);
});

test('areaNamed: the first operand, past the program options and their values; help AREA', () => {
  const p = program();
  const cases: Array<[string[], string | undefined]> = [
    [['trust', 'verify', 'x'], 'trust'],
    [['--json', 'trust', 'verify'], 'trust'],
    [['--state', 'trust', 'ca', 'init'], 'ca'],
    [['--state=/tmp/x', 'token', 'create'], 'token'],
    [['help', 'audit'], 'audit'],
    [['--help'], undefined],
    [[], undefined],
    [['--', 'trust'], undefined],
  ];
  for (const [argv, want] of cases) assert.equal(areaNamed(p, argv), want, argv.join(' '));
});

test('a stub commander reaches reports it (main then loads every area and parses again)', async () => {
  const p = program();
  const ranStub = await registerCommands(p, noCtx, []);
  await p.parseAsync(['trust', 'verify', '--anything'], { from: 'user' });
  assert.equal(ranStub(), true);
});

test('the CLI loads only the named area: its verbs work, other areas still listed', () => {
  const top = runCli(['--help']);
  assert.equal(top.code, 0);
  for (const a of AREAS) assert.match(top.stdout, new RegExp(`^  ${a.term.replace(/[[\]]/g, '\\$&')}\\s`, 'm'));
  const verb = runCli(['--json', 'trust', 'verify', '--offline', '/nonexistent', '--gun', 'example.com/a', '--tag', 'v1']);
  assert.notEqual(verb.code, 0);
  assert.doesNotMatch(verb.stderr, /unknown command/);
});

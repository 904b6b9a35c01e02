import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** A command area: adds `swarmguard <area> ...` to the program. Keep these modules light: actions import the library lazily. */
export type Register = (program: Command, ctx: () => CliContext) => void;

/**
 * The command areas as light data: what the top-level help lists (name,
 * the term commander prints, the description) and how to load the area.
 * Only the area named on the command line is loaded; the others stay stubs,
 * so start-up compiles one area's modules, not all of them.
 * test/cli/lazy.test.ts checks each stub against its loaded area.
 */
export interface Area {
  name: string;
  /** As the help lists it: `audit [options]`, `ca`. */
  term: string;
  description: string;
  load(): Promise<Register>;
}

export const AREAS: readonly Area[] = [
  {
    name: 'audit',
    term: 'audit [options]',
    description: 'audit a Docker Swarm against CIS Docker Benchmark and swarm policies',
    load: async () => (await import('./audit/index.js')).registerAudit,
  },
  { name: 'ca', term: 'ca', description: 'the cluster certificate authority (SwarmKit-compatible)', load: async () => (await import('./ca/index.js')).registerCa },
  { name: 'cert', term: 'cert', description: 'inspect and verify X.509 certificates and chains', load: async () => (await import('./cert/index.js')).registerCert },
  {
    name: 'start',
    term: 'start [options]',
    description: 'the main job: create (or reuse) the CA in the state directory and print its status and next steps',
    load: async () => (await import('./start.js')).registerStart,
  },
  {
    name: 'token',
    term: 'token',
    description: 'join tokens: create, verify, inspect, rotate; scoped (expiring, node-bound, use-limited) tokens and their broker',
    load: async () => (await import('./token/index.js')).registerToken,
  },
  {
    name: 'trust',
    term: 'trust',
    description: 'image signatures: which digest is signed for a tag, and by whom (Docker Content Trust / Notary v1)',
    load: async () => (await import('./trust/index.js')).registerTrust,
  },
  {
    name: 'unlock-key',
    term: 'unlock-key',
    description: 'autolock unlock keys: check a kept key against a node, rotate, re-encrypt a node key offline',
    load: async () => (await import('./unlock-key/index.js')).registerUnlockKey,
  },
];

/**
 * The area argv names: its first operand, skipping the program's own options
 * (and the value of those that take one) — `help AREA` names AREA.
 */
export function areaNamed(program: Command, argv: readonly string[]): string | undefined {
  let helpVerb = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (a.startsWith('-') && a.length > 1) {
      const flag = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
      const o = program.options.find((x) => x.long === flag || x.short === flag);
      if (o && (o.required || o.optional) && !a.includes('=') && !(o.optional && argv[i + 1]?.startsWith('-'))) i++;
      continue;
    }
    if (a === 'help' && !helpVerb) {
      helpVerb = true;
      continue;
    }
    return a;
  }
  return undefined;
}

/** Stubs, by command: the help term to print for them. */
const stubTerms = new WeakMap<Command, string>();

/**
 * Register every area: the one argv names is loaded and registered in full,
 * every other one as a stub (name and description for the top-level help).
 * Returns a function telling whether commander ran a stub (argv named an
 * area this scan missed); the caller then loads `all` and parses again.
 */
export async function registerCommands(program: Command, ctx: () => CliContext, argv: readonly string[], all = false): Promise<() => boolean> {
  const wanted = areaNamed(program, argv);
  let stubRan = false;
  const defaultTerm = program.createHelp().subcommandTerm.bind(program.createHelp());
  program.configureHelp({ subcommandTerm: (cmd) => stubTerms.get(cmd) ?? defaultTerm(cmd) });
  for (const area of AREAS) {
    if (all || area.name === wanted) {
      (await area.load())(program, ctx);
      continue;
    }
    const stub = program
      .command(area.name)
      .description(area.description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        stubRan = true;
      });
    stubTerms.set(stub, area.term);
  }
  return () => stubRan;
}

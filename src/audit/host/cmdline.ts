/**
 * Parse dockerd's argv the way its flag library (pflag) does: `--flag=v` and
 * `--flag v`, `-H v`, `-Hv`, `-H=v`, grouped short booleans (`-Dl debug`),
 * repeated flags, booleans only as `--flag` or `--flag=false`, `--` ending
 * the options. Pure and total: argv comes from /proc and may be anything, so
 * nothing here throws; what it cannot place goes to `unrecognized`.
 */
import { BY_FLAG, BY_SHORT, type DaemonOption } from './options.js';

export interface ParsedCmdline {
  /** Long flag name (no dashes) to every value given, in order; booleans as "true"/"false". */
  flags: Record<string, string[]>;
  unrecognized: string[];
}

/** Split /proc/PID/cmdline (NUL-separated, usually NUL-terminated). */
export function splitCmdline(raw: Buffer | string): string[] {
  const s = typeof raw === 'string' ? raw : raw.toString('utf8');
  const parts = s.split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function parseDockerdArgs(argv: readonly string[]): ParsedCmdline {
  const flags: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const unrecognized: string[] = [];
  const add = (opt: DaemonOption, v: string): void => {
    (flags[opt.flag] ??= []).push(v);
  };
  // argv[0] is the program
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      unrecognized.push(...argv.slice(i + 1).map((x) => `positional ${x}`));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const opt = BY_FLAG.get(name);
      if (!opt) {
        unrecognized.push(a);
        continue;
      }
      if (eq >= 0) add(opt, a.slice(eq + 1));
      else if (opt.type === 'bool') add(opt, 'true');
      else if (i + 1 < argv.length) add(opt, argv[++i]!);
      else unrecognized.push(`${a} (no value)`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // a group of short flags: booleans, then at most one that takes a value
      for (let j = 1; j < a.length; j++) {
        const opt = BY_SHORT.get(a[j]!);
        if (!opt) {
          unrecognized.push(`-${a.slice(j)} (in ${a})`);
          break;
        }
        const rest = a.slice(j + 1);
        if (opt.type === 'bool') {
          if (rest.startsWith('=')) {
            add(opt, rest.slice(1));
            break;
          }
          add(opt, 'true');
          continue;
        }
        if (rest.length) add(opt, rest.startsWith('=') ? rest.slice(1) : rest);
        else if (i + 1 < argv.length) add(opt, argv[++i]!);
        else unrecognized.push(`-${a[j]} (no value)`);
        break;
      }
      continue;
    }
    unrecognized.push(`positional ${a}`);
  }
  return { flags: { ...flags }, unrecognized };
}

/** pflag's boolean syntax (Go strconv.ParseBool); undefined when it is not a boolean. */
export function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

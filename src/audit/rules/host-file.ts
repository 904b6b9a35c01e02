/**
 * `host-file`: owner or mode of the files CIS section 3 names, at the paths
 * the daemon really uses. Modes are compared as bits, `(mode & ~allowed) == 0`:
 * docker-bench compares `stat -c %a` as a decimal number, so 606, 622 and 177
 * pass its "≤ 644" test although they are world- or group-writable.
 */
import { FILE_ROLES, type FileFact } from '../host/types.js';
import type { Outcome, RuleKind } from '../types.js';
import { HOST_ENGINE, hostOr, octal, owner, unknownHost } from './host-util.js';

interface Params {
  role: (typeof FILE_ROLES)[number];
  /** Allowed owning users and groups, by name (uid/gid 0 counts as root without an /etc/passwd entry). */
  users?: string[];
  groups?: string[];
  /** The mode may hold no bit outside this one (octal string, "0644"). */
  maxMode?: string;
  /** The mode must be exactly this (octal string, "0400"). */
  exactMode?: string;
  /** A configured path that does not exist: `pass` (nothing to protect) or `unknown` (the daemon needs it). Default pass. */
  missing?: 'pass' | 'unknown';
}

const named = (allowed: string[] | undefined, name: string | undefined, id: number | undefined): boolean =>
  !allowed || (name !== undefined && allowed.includes(name)) || (id === 0 && allowed.includes('root'));

function check(f: FileFact, p: Params): Outcome {
  const target = { kind: 'file' as const, id: f.path };
  const link = f.linkTarget ? ` (symlink to ${f.linkTarget})` : '';
  if (f.error || f.mode === undefined) return { status: 'unknown', target, message: `cannot stat ${f.path}${link}: ${f.error ?? 'no mode'}` };
  const problems: string[] = [];
  if (!named(p.users, f.user, f.uid)) problems.push(`owner ${f.user ?? f.uid} is not ${p.users!.join(' or ')}`);
  if (!named(p.groups, f.group, f.gid)) problems.push(`group ${f.group ?? f.gid} is not ${p.groups!.join(' or ')}`);
  if (p.maxMode !== undefined) {
    const allowed = parseInt(p.maxMode, 8);
    const extra = f.mode & ~allowed & 0o7777;
    if (extra) problems.push(`mode ${octal(f.mode)} has bits ${octal(extra)} outside ${p.maxMode}`);
  }
  if (p.exactMode !== undefined && f.mode !== parseInt(p.exactMode, 8)) problems.push(`mode ${octal(f.mode)} is not ${p.exactMode}`);
  const what = `${f.path}${link} is ${owner(f)} ${octal(f.mode)}`;
  return problems.length ? { status: 'fail', target, message: `${what}: ${problems.join('; ')}` } : { status: 'pass', target, message: what };
}

export const hostFile: RuleKind<Params> = {
  kind: 'host-file',
  describe: 'checks owner (`users`, `groups`) or mode (`maxMode` as a bitmask, `exactMode`) of the file(s) in a role, resolved from the daemon\'s real flags and daemon.json; unknown without host facts',
  paramsSchema: {
    type: 'object',
    required: ['role'],
    additionalProperties: false,
    minProperties: 2,
    properties: {
      role: { enum: [...FILE_ROLES] },
      users: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      groups: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      maxMode: { type: 'string', pattern: '^0[0-7]{3,4}$' },
      exactMode: { type: 'string', pattern: '^0[0-7]{3,4}$' },
      missing: { enum: ['pass', 'unknown'] },
    },
  },
  evaluate(facts, p) {
    const h = hostOr(facts);
    if ('why' in h) return unknownHost(HOST_ENGINE, h.why);
    const files = h.data.files[p.role];
    if (files === undefined) return unknownHost(HOST_ENGINE, `the host facts do not list ${p.role}`);
    if (files.length === 0) return [{ status: 'pass', target: HOST_ENGINE, message: `no ${p.role} file: not configured on this daemon` }];
    const present = files.filter((f) => f.exists);
    if (present.length === 0) {
      const where = files.map((f) => f.path).join(', ');
      return p.missing === 'unknown'
        ? [{ status: 'unknown', target: { kind: 'file', id: files[0]!.path }, message: `configured but not present: ${where}` }]
        : [{ status: 'pass', target: HOST_ENGINE, message: `not present (nothing to protect): ${where}` }];
    }
    return present.map((f) => check(f, p));
  },
};

/**
 * Effective daemon settings: flags and daemon.json merged (dockerd refuses a
 * directive given both ways, so at most one applies; when both are present
 * now the file was edited after the start and the flag is what runs), then
 * dockerd's defaults. Keyed by daemon.json name; each value says where it
 * came from.
 */
import { parseBool } from './cmdline.js';
import { BY_FLAG, DAEMON_OPTIONS, type DaemonOption } from './options.js';
import type { Setting } from './types.js';

function flagValue(opt: DaemonOption, vs: string[]): unknown {
  const last = vs[vs.length - 1]!;
  const pairs = (): Record<string, string> =>
    Object.fromEntries(
      vs.map((v) => {
        const i = v.indexOf('=');
        return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
      }),
    );
  switch (opt.type) {
    case 'bool':
      return parseBool(last) ?? last;
    case 'int':
      return /^-?\d+$/.test(last) ? Number(last) : last;
    case 'list':
      return [...vs];
    case 'map':
    case 'ulimit':
    case 'runtime':
      return pairs();
    default:
      return last;
  }
}

export interface Merged {
  settings: Record<string, Setting>;
  conflicts: string[];
}

export function mergeSettings(flags: Record<string, string[]>, file: Record<string, unknown> | undefined): Merged {
  const settings: Record<string, Setting> = {};
  const conflicts: string[] = [];
  for (const [name, vs] of Object.entries(flags)) {
    const opt = BY_FLAG.get(name);
    if (!opt || vs.length === 0) continue;
    const key = opt.json ?? opt.flag;
    settings[key] = { value: flagValue(opt, vs), source: 'flag', from: `--${opt.flag}` };
    if (file && opt.json && Object.hasOwn(file, opt.json)) conflicts.push(opt.json);
  }
  for (const [key, v] of Object.entries(file ?? {})) {
    if (!(key in settings)) settings[key] = { value: v, source: 'config-file', from: key };
  }
  // --graph / "graph" is the old name of data-root
  if (!settings['data-root'] && settings.graph) settings['data-root'] = { ...settings.graph, from: `${settings.graph.from} (old name of data-root)` };
  for (const opt of DAEMON_OPTIONS) {
    const key = opt.json ?? opt.flag;
    if (opt.default !== undefined && !(key in settings)) settings[key] = { value: opt.default, source: 'default' };
  }
  // --debug / "debug": true sets the log level to debug whatever log-level says
  const debug = settings.debug;
  if (debug && debug.value === true && debug.source !== 'default') {
    settings['log-level'] = { value: 'debug', source: debug.source, from: `${debug.from} (debug mode forces log level debug)` };
  }
  return { settings, conflicts };
}

/**
 * Parse daemon.json: JSON syntax errors give the file, line and column; a
 * known key holding the wrong JSON type is an error naming the file and the
 * key (all such keys at once). Unknown keys are returned, not rejected: the
 * daemon refuses them at its next start, and the audit says so.
 */
import { InputError } from '../../errors.js';
import { BY_JSON, type JsonType } from './options.js';

export interface DaemonJson {
  values: Record<string, unknown>;
  unknownKeys: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CHECK: Record<JsonType, (v: unknown) => boolean> = {
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  'string[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  object: isObj,
  'object[]': (v) => Array.isArray(v) && v.every(isObj),
  'string-map': (v) => isObj(v) && Object.values(v).every((x) => typeof x === 'string'),
};

/**
 * The offset of the first JSON syntax error (Node's JSON.parse message does
 * not always carry one). A small recursive-descent scan, only run on failure.
 */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < t.length && ' \t\n\r'.includes(t[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string): void => {
    if (t.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = (): void => {
    i++;
    while (i < t.length && t[i] !== '"') {
      if (t.charCodeAt(i) < 0x20) fail();
      if (t[i] === '\\') {
        i++;
        if (t[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(t[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= t.length) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = t[i];
    if (c === '{') {
      i++;
      ws();
      if (t[i] === '}') return void i++;
      for (;;) {
        ws();
        if (t[i] !== '"') fail();
        str();
        ws();
        if (t[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (t[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(i));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value(0);
    ws();
    if (i < t.length) fail();
  } catch (e) {
    if (typeof e === 'number') return e;
    throw e;
  }
  return t.length;
}

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - before.lastIndexOf('\n')}`;
}

export function parseDaemonJson(text: string, file: string): DaemonJson {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const msg = (e as Error).message;
    const body = text.replace(/^\uFEFF/, '');
    const where = ` at ${lineCol(body, jsonErrorOffset(body))}`;
    throw new InputError('ERR_AUDIT_DAEMON_JSON', `${file} is not valid JSON${where} (${msg}); fix the file (dockerd will not start with it)`, {
      cause: e,
      details: { file },
    });
  }
  if (!isObj(doc)) {
    throw new InputError('ERR_AUDIT_DAEMON_JSON', `${file} must hold a JSON object, not ${Array.isArray(doc) ? 'an array' : JSON.stringify(doc)}`, { details: { file } });
  }
  const problems: string[] = [];
  const unknownKeys: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(doc)) {
    const opt = BY_JSON.get(key);
    if (!opt?.jsonType) {
      unknownKeys.push(key);
      continue;
    }
    if (!CHECK[opt.jsonType](v)) problems.push(`"${key}" must be ${opt.jsonType === 'string-map' ? 'an object of strings' : opt.jsonType === 'object[]' ? 'an array of objects' : `a ${opt.jsonType}`}, not ${JSON.stringify(v)?.slice(0, 60)}`);
    else values[key] = v;
  }
  if (problems.length) {
    throw new InputError('ERR_AUDIT_DAEMON_JSON', `${file}: ${problems.join('; ')}; fix these keys (dockerd will not start with them)`, { details: { file, problems } });
  }
  return { values, unknownKeys };
}

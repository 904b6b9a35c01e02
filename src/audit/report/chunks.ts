/**
 * Reports of a large swarm are large: 20,000 services give some 700,000 findings, about
 * 200 MB of pretty JSON, near V8's limit on one string. Reporters therefore yield their
 * document in pieces, and `writeChunks` sends them out in bounded batches.
 */

import { once } from 'node:events';

const pad = (depth: number): string => '  '.repeat(depth);

/** `JSON.stringify(v, null, 2)` of a subtree that starts at `depth`, re-indented to sit there. */
function indented(v: unknown, depth: number): string {
  const s = JSON.stringify(v, null, 2);
  // JSON escapes newlines inside strings, so every raw newline is layout
  return depth === 0 || !s.includes('\n') ? s : s.replace(/\n/g, '\n' + pad(depth));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * An array whose items are made only when written (SARIF results: one object per finding,
 * built one at a time instead of all at once). Serialises as the array of `item(i)`.
 */
export class LazyItems<T> {
  constructor(
    readonly length: number,
    readonly item: (i: number) => T,
  ) {}

  toJSON(): T[] {
    return Array.from({ length: this.length }, (_, i) => this.item(i));
  }
}

/** An array longer than this holds items (findings, results): each is stringified whole. */
const LONG_ARRAY = 64;

/**
 * The text of `JSON.stringify(value, null, 2)`, byte for byte, as a sequence of pieces: the
 * objects and arrays of the top `maxDepth` levels are walked, the items of a long array
 * and everything deeper are stringified whole, a piece each. Only for JSON data (what the reporters build).
 */
export function* prettyJsonChunks(value: unknown, depth = 0, maxDepth = 6): Generator<string> {
  if (value instanceof LazyItems) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) yield (i === 0 ? '\n' : ',\n') + pad(depth + 1) + indented(value.item(i), depth + 1);
    yield '\n' + pad(depth) + ']';
    return;
  }
  if (depth < maxDepth && Array.isArray(value) && value.length > 0) {
    yield '[';
    const items = value.length > LONG_ARRAY;
    for (let i = 0; i < value.length; i++) {
      const el: unknown = value[i];
      // as JSON.stringify: undefined, functions and symbols in arrays are null
      const v = el === undefined || typeof el === 'function' || typeof el === 'symbol' ? null : el;
      yield (i === 0 ? '\n' : ',\n') + pad(depth + 1);
      // the items of a long array (findings, SARIF results) are small: each in one piece
      if (items) yield indented(v, depth + 1);
      else yield* prettyJsonChunks(v, depth + 1, maxDepth);
    }
    yield '\n' + pad(depth) + ']';
    return;
  }
  if (depth < maxDepth && isPlainObject(value)) {
    let first = true;
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield (first ? '{\n' : ',\n') + pad(depth + 1) + JSON.stringify(k) + ': ';
      first = false;
      yield* prettyJsonChunks(v, depth + 1, maxDepth);
    }
    yield first ? '{}' : '\n' + pad(depth) + '}';
    return;
  }
  yield indented(value, depth);
}

/** Batch size of `writeChunks`: large enough for few writes, small next to the report. */
const BATCH = 1 << 20;

/** Join pieces into batches of about 1 MiB. */
export function* batched(chunks: Iterable<string>, size = BATCH): Generator<string> {
  let buf = '';
  for (const c of chunks) {
    buf += c;
    if (buf.length >= size) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** Write a report's pieces in batches to `process.stdout` or a file stream, waiting for `drain` when it asks to (an error rejects). */
export async function writeChunks(sink: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const b of batched(chunks)) {
    if (!sink.write(b)) await once(sink, 'drain');
  }
}

/**
 * JSON as Notary reads and signs it (spec §7).
 *
 * `parseJson` is a strict RFC 8259 parser that decodes strings and numbers
 * the way Go's encoding/json does (numbers become float64, a lone surrogate
 * escape becomes U+FFFD) and refuses what would make two parsers disagree:
 * duplicate object keys, invalid UTF-8, a byte-order mark, excessive depth.
 * Objects have no prototype, so `__proto__` is an ordinary key.
 *
 * `canonicalJson` is Go's `MarshalCanonical` of the generic value: no
 * whitespace, object keys sorted by their UTF-8 bytes (= code points, not
 * UTF-16 units), only `"` and `\` escaped, integral numbers as plain
 * decimal int64, anything non-integral refused.
 */
import { refuse } from '../errors.js';
import { defaults } from '../../defaults.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parse JSON bytes strictly. Refusals: ERR_TRUST_NON_CANONICAL (duplicate keys, bad UTF-8), ERR_TRUST_MALFORMED (syntax). */
export function parseJson(bytes: Uint8Array, role: string, maxDepth: number = defaults.trust.notary.maxJsonDepth): JsonValue {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (e) {
    throw refuse('ERR_TRUST_NON_CANONICAL', role, `${role}: the metadata is not valid UTF-8; it cannot be canonicalised as Notary signs it`, {}, e);
  }
  return new Parser(text, role, maxDepth).document();
}

class Parser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly role: string,
    private readonly maxDepth: number,
  ) {}

  document(): JsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.pos !== this.s.length) this.fail('trailing data after the JSON value');
    return v;
  }

  private fail(why: string): never {
    throw refuse('ERR_TRUST_MALFORMED', this.role, `${this.role}: not valid JSON (${why} at offset ${this.pos}); the server sent damaged metadata`);
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  private value(depth: number): JsonValue {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private literal<T extends JsonValue>(word: string, v: T): T {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return v;
    }
    return this.fail('bad literal');
  }

  private object(depth: number): JsonObject {
    this.pos++; // {
    const out = Object.create(null) as JsonObject;
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw refuse(
          'ERR_TRUST_NON_CANONICAL',
          this.role,
          `${this.role}: the key ${JSON.stringify(key)} appears twice in one object; parsers would disagree on its value, so the metadata is refused`,
        );
      }
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      this.ws();
      out[key] = this.value(depth + 1);
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  private array(depth: number): JsonValue[] {
    this.pos++; // [
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  private number(): number {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) this.fail('bad number');
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail('number out of range');
    return n;
  }

  private hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) return -1;
    return parseInt(h, 16);
  }

  private string(): string {
    const s = this.s;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('raw control character in a string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += s.slice(start, this.pos);
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const u = this.hex4(this.pos);
          if (u < 0) this.fail('bad \\u escape');
          this.pos += 4;
          if (u >= 0xd800 && u <= 0xdfff) {
            // Go's decoder: a valid high+low pair is one rune; anything else becomes U+FFFD and the next escape is read on its own.
            if (u <= 0xdbff && s[this.pos] === '\\' && s[this.pos + 1] === 'u') {
              const lo = this.hex4(this.pos + 2);
              if (lo >= 0xdc00 && lo <= 0xdfff) {
                out += String.fromCharCode(u, lo);
                this.pos += 6;
                break;
              }
            }
            out += '\ufffd';
          } else out += String.fromCharCode(u);
          break;
        }
        default:
          this.fail('bad escape');
      }
      start = this.pos;
    }
  }
}

/** Compare two strings by code point (= by their UTF-8 bytes), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF in UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const INT64_LIMIT = 2 ** 63;

function encode(v: JsonValue, role: string, parts: string[]): void {
  if (v === null) parts.push('null');
  else if (v === true) parts.push('true');
  else if (v === false) parts.push('false');
  else if (typeof v === 'number') {
    // spec §7: Go parses numbers as float64 and prints integral ones as int64; anything else is refused.
    if (!Number.isInteger(v) || Math.abs(v) >= INT64_LIMIT) {
      throw refuse('ERR_TRUST_NON_CANONICAL', role, `${role}: the signed data holds the number ${v}, which canonical JSON cannot encode (only integers); the metadata was not produced by Notary`);
    }
    parts.push(BigInt(v).toString());
  } else if (typeof v === 'string') parts.push(quote(v));
  else if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      encode(v[i]!, role, parts);
    }
    parts.push(']');
  } else {
    const keys = Object.keys(v).sort(compareCodePoints);
    parts.push('{');
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) parts.push(',');
      parts.push(quote(keys[i]!), ':');
      encode(v[keys[i]!]!, role, parts);
    }
    parts.push('}');
  }
}

/** spec §7: only `"` and `\` are escaped; every other character (controls, `<>&`, U+2028) is written raw. */
function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/** The canonical bytes Notary signs for a parsed value (spec §7). Throws ERR_TRUST_NON_CANONICAL. */
export function canonicalJson(v: JsonValue, role = 'metadata'): Buffer {
  const parts: string[] = [];
  encode(v, role, parts);
  return Buffer.from(parts.join(''), 'utf8');
}

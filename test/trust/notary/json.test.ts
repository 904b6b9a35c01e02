import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, compareCodePoints, parseJson } from '../../../src/trust/notary/json.js';

const canon = (text: string): string => canonicalJson(parseJson(Buffer.from(text, 'utf8'), 'test'), 'test').toString('utf8');
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

test('canonical JSON: keys sorted by UTF-8 bytes, not UTF-16 units (spec §7 edge case)', () => {
  // Go orders x\uE000 < x\uFB00 < x😀 (UTF-8); JS's default sort puts the surrogate pair first.
  const out = canon('{"x😀":1,"x\\uFB00":2,"x\\uE000":3,"a":0}');
  assert.equal(out, '{"a":0,"x\uE000":3,"x\uFB00":2,"x😀":1}');
  assert.ok(compareCodePoints('\u{1F600}', '\uE000') > 0);
  assert.ok(compareCodePoints('\uE000', '\u{1F600}') < 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('\u{1F600}', '\u{1F600}'), 0);
});

test('canonical JSON: only " and \\ escaped; controls, <>&, U+2028 raw; no whitespace', () => {
  assert.equal(canon('{ "b" : [ 1 , "a\\u003cb\\u003e\\u0026c" ], "a" : "line\\u2028sep\\ttab\\"q\\\\" }'), '{"a":"line\u2028sep\ttab\\"q\\\\","b":[1,"a<b>&c"]}');
  assert.equal(canon('"\\u0001\\n"'), '"\u0001\n"');
  assert.equal(canon('[true,false,null,{}]'), '[true,false,null,{}]');
});

test('canonical JSON: integers as int64 decimal, floats refused (ERR_TRUST_NON_CANONICAL)', () => {
  assert.equal(canon('[0,-0,12345678901,1.0,1e2,-7]'), '[0,0,12345678901,1,100,-7]');
  assert.equal(canon('9007199254740993'), '9007199254740992'); // float64 precision, as Go
  assert.equal(code(() => canon('{"custom":{"f":1.5}}')), 'ERR_TRUST_NON_CANONICAL');
  assert.equal(code(() => canon('1e300')), 'ERR_TRUST_NON_CANONICAL');
});

test('parser: duplicate keys and invalid UTF-8 refused as non-canonical', () => {
  assert.equal(code(() => parseJson(Buffer.from('{"a":1,"a":2}'), 't')), 'ERR_TRUST_NON_CANONICAL');
  assert.equal(code(() => parseJson(Buffer.from([0x22, 0xff, 0x22]), 't')), 'ERR_TRUST_NON_CANONICAL');
});

test('parser: __proto__ is an ordinary key', () => {
  const v = parseJson(Buffer.from('{"__proto__":{"x":1}}'), 't') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), null);
  assert.deepEqual(Object.keys(v), ['__proto__']);
  assert.equal(canon('{"__proto__":{"x":1}}'), '{"__proto__":{"x":1}}');
});

test('parser: surrogate escapes as Go decodes them (a lone surrogate becomes U+FFFD)', () => {
  assert.equal(parseJson(Buffer.from('"\\ud83d\\ude00"'), 't'), '😀');
  assert.equal(parseJson(Buffer.from('"\\ud83d"'), 't'), '\ufffd');
  assert.equal(parseJson(Buffer.from('"\\ude00x"'), 't'), '\ufffdx');
  assert.equal(parseJson(Buffer.from('"\\ud83d\\u0041"'), 't'), '\ufffdA');
});

test('parser: malformed JSON refused (ERR_TRUST_MALFORMED)', () => {
  for (const bad of ['', '{', '{"a":}', '[1,]', '{"a":1,}', '"a\u0001"', '01', '1.', '.5', 'tru', '\ufeff{}', '{} x', '"\\x"', '"\\u12"', 'NaN']) {
    assert.equal(code(() => parseJson(Buffer.from(bad), 't')), 'ERR_TRUST_MALFORMED', JSON.stringify(bad));
  }
  assert.equal(code(() => parseJson(Buffer.from('['.repeat(100) + ']'.repeat(100)), 't')), 'ERR_TRUST_MALFORMED');
});

test('canonical JSON agrees with JSON.stringify on ASCII-keyed integer data', () => {
  const v = { z: [1, 2, { y: 'q', b: null }], a: { c: true, b: 'x' } };
  assert.equal(canon(JSON.stringify(v)), '{"a":{"b":"x","c":true},"z":[1,2,{"b":null,"y":"q"}]}');
});

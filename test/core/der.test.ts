import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { children, decodeOid, oid, readTlv, seq, time, uint, smallInt, contentOf, directoryString, Tag, type Tlv } from '../../src/core/der.js';
import { parsePem, toPem } from '../../src/core/pem.js';
import { parseDuration, formatDuration } from '../../src/core/duration.js';
import { newSwarmId, toBase36 } from '../../src/core/ids.js';
import { SwarmguardError } from '../../src/errors.js';

test('OIDs encode and decode', () => {
  for (const o of ['1.2.840.10045.4.3.2', '2.5.29.19', '1.3.6.1.5.5.7.3.1', '2.999.3', '1.2.840.113549.1.1.11']) {
    const enc = oid(o);
    assert.equal(decodeOid(contentOf(enc, readTlv(enc, 0))), o);
  }
  assert.equal(oid('2.5.4.3').toString('hex'), '0603550403');
});

test('INTEGER encoding is minimal and positive', () => {
  assert.equal(uint(Buffer.from([0, 0, 0x7f])).toString('hex'), '02017f');
  assert.equal(uint(Buffer.from([0x80])).toString('hex'), '02020080');
  assert.equal(smallInt(2).toString('hex'), '020102');
  assert.equal(smallInt(0).toString('hex'), '020100');
});

test('times: UTCTime to 2049, GeneralizedTime from 2050', () => {
  assert.equal(time(new Date('2049-12-31T23:59:59Z')).toString('latin1').slice(2), '491231235959Z');
  assert.equal(time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2), '20500101000000Z');
  assert.equal(time(new Date('2026-11-28T14:52:00Z'))[0], Tag.UTC_TIME);
});

test('strings: PrintableString when possible, else UTF8String', () => {
  assert.equal(directoryString('swarm-ca')[0], Tag.PRINTABLE_STRING);
  assert.equal(directoryString('ops_team')[0], Tag.UTF8_STRING);
  assert.equal(directoryString('Zürich')[0], Tag.UTF8_STRING);
});

test('the reader is strict: indefinite, non-minimal and overlong lengths are refused', () => {
  assert.throws(() => readTlv(Buffer.from('3080', 'hex'), 0), { code: 'ERR_DER_MALFORMED' });
  assert.throws(() => readTlv(Buffer.from('30810100', 'hex'), 0), { code: 'ERR_DER_MALFORMED' });
  assert.throws(() => readTlv(Buffer.from('3005', 'hex'), 0), { code: 'ERR_DER_MALFORMED' });
  assert.throws(() => readTlv(Buffer.from('1f0100', 'hex'), 0), { code: 'ERR_DER_MALFORMED' });
  assert.throws(() => decodeOid(Buffer.from('8001', 'hex')), { code: 'ERR_DER_MALFORMED' });
  const s = seq(seq(), uint(Buffer.from([1])));
  assert.equal(children(s, readTlv(s, 0)).length, 2);
});

test('fuzz: walking arbitrary bytes as DER returns or throws a typed error, in bounded time', () => {
  const walk = (b: Uint8Array, t: Tlv, depth: number): void => {
    if (depth > 40 || !(t.tag & 0x20)) return;
    for (const c of children(b, t)) walk(b, c, depth + 1);
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      try {
        walk(b, readTlv(b, 0), 0);
      } catch (e) {
        assert.ok(e instanceof SwarmguardError, String(e));
      }
    }),
    { numRuns: 3000 },
  );
});

test('PEM: headers, round trip, truncation and bad base64 are typed errors', () => {
  const der = Buffer.from('3003020101', 'hex');
  const pem = toPem('ENCRYPTED PRIVATE KEY', der, [['kek-version', '0'], ['raft-dek', 'CAES']]);
  const [b] = parsePem(pem);
  assert.equal(b!.type, 'ENCRYPTED PRIVATE KEY');
  assert.deepEqual(b!.headers, [['kek-version', '0'], ['raft-dek', 'CAES']]);
  assert.deepEqual(b!.der, der);
  assert.throws(() => parsePem(pem.replace(/-----END.*/, '')), { code: 'ERR_PEM_MALFORMED' });
  assert.throws(() => parsePem('-----BEGIN X-----\n!!!!\n-----END X-----\n'), { code: 'ERR_PEM_MALFORMED' });
  assert.throws(() => parsePem('-----BEGIN X-----\nAAA\n-----END X-----\n'), { code: 'ERR_PEM_MALFORMED' });
  assert.equal(parsePem('no pem here').length, 0);
  fc.assert(
    fc.property(fc.string({ maxLength: 500 }), (s) => {
      try {
        parsePem(`junk\n-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`);
      } catch (e) {
        assert.ok(e instanceof SwarmguardError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});

test('durations and IDs', () => {
  assert.equal(parseDuration('2160h'), 2160 * 3_600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(formatDuration(7_776_000_000), '2160h0m0s');
  for (const bad of ['', '10', 'h', '1d', '1h ', '-1h']) assert.throws(() => parseDuration(bad), { code: 'ERR_DURATION_INVALID' });
  assert.match(newSwarmId(), /^[0-9a-z]{25}$/);
  assert.equal(toBase36(Buffer.from([0xff]), 4), '0073');
});

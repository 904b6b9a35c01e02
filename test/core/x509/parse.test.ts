import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, isSwarmguardError } from '../../../src/errors.js';
import { parseCertificate, parseCertificates } from '../../../src/core/x509/parse.js';
import { describeCertificate } from '../../../src/core/x509/inspect.js';
import { toPem } from '../../../src/core/pem.js';
import { EKU_SERVER, KU, bits, caExts, ecKey, edKey, ext, int, keyId, makeCert, pki, rsaKey, seq, tlv } from './fixtures.js';

function assertMalformed(der: Uint8Array, pattern?: RegExp): void {
  assert.throws(
    () => parseCertificate(der),
    (e: unknown) => e instanceof InputError && e.code === 'ERR_X509_MALFORMED' && !e.message.includes('\n') && (!pattern || pattern.test(e.message)),
  );
}

test('valid_leaf: fields are read', () => {
  const { leaf, leafKey, interKey } = pki();
  const c = parseCertificate(leaf);
  assert.equal(c.version, 3);
  assert.equal(c.subject.text, 'CN=node');
  assert.equal(c.issuer.text, 'CN=Test Intermediate');
  assert.equal(c.publicKey.algorithm, 'ec');
  assert.equal(c.publicKey.curve, 'P-256');
  assert.deepEqual(c.ext.keyUsage, ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(c.ext.extKeyUsage, [EKU_SERVER, '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(c.ext.basicConstraints, { ca: false });
  assert.deepEqual(c.ext.subjectKeyId, keyId(leafKey));
  assert.deepEqual(c.ext.authorityKeyId?.keyId, keyId(interKey));
  assert.deepEqual(c.ext.subjectAltName, [{ type: 'dns', value: 'node.example.com' }]);
  assert.equal(c.fingerprint256.length, 64);
  assert.deepEqual(c.warnings, []);
});

test('valid_keys: RSA bits, Ed25519, P-384 are described', () => {
  const rsa = parseCertificate(makeCert({ subject: 'r', key: rsaKey(0), extensions: caExts(rsaKey(0)) }));
  assert.equal(rsa.publicKey.algorithm, 'rsa');
  assert.equal(rsa.publicKey.bits, 2048);
  const ed = parseCertificate(makeCert({ subject: 'e', key: edKey(0) }));
  assert.equal(ed.publicKey.algorithm, 'ed25519');
  const p384 = parseCertificate(makeCert({ subject: 'p', key: ecKey(0, 'P-384') }));
  assert.equal(p384.publicKey.curve, 'P-384');
});

test('invalid_trailing_data after the certificate', () => {
  const { leaf } = pki();
  assertMalformed(Buffer.concat([leaf, Buffer.from([0])]), /trailing/);
});

test('invalid_v1_with_extensions and v2 with extensions', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, version: 1, extensions: caExts(k) }), /v1 certificate has extensions/);
  assertMalformed(makeCert({ subject: 'x', key: k, version: 2, extensions: caExts(k) }), /v2 certificate has extensions/);
  // v1 without extensions is fine
  assert.equal(parseCertificate(makeCert({ subject: 'x', key: k, version: 1 })).version, 1);
});

test('invalid_duplicate_extension', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.basic(true), ext.basic(true)] }), /appears twice/);
});

test('invalid_bit_string: unused bits in the signature', () => {
  const { leaf } = pki();
  // Rewrite the signature BIT STRING with 1 unused bit declared.
  const c = parseCertificate(leaf);
  const bad = seq(c.tbs, c.signatureAlgorithm.der, bits(Buffer.concat([c.signature.subarray(0, -1), Buffer.from([c.signature.at(-1)! & 0xfe])]), 1));
  assertMalformed(bad, /not octet-aligned/);
  const bad2 = seq(c.tbs, c.signatureAlgorithm.der, tlv(0x03, Buffer.from([8]), c.signature));
  assertMalformed(bad2, /unused bits/);
});

test('invalid_pathlen_out_of_range: 256 rejected, 255 accepted', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.basic(true, 256)] }), /pathLenConstraint is 256/);
  assert.equal(parseCertificate(makeCert({ subject: 'x', key: k, extensions: [ext.basic(true, 255)] })).ext.basicConstraints?.pathLen, 255);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.raw('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])), int(Buffer.from([0xff]))))] }), /negative/);
});

test('invalid_empty_san', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.raw('2.5.29.17', false, seq())] }), /empty sequence/);
});

test('invalid_san_ip_length and non-ASCII dNSName', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.san({ ip: [Buffer.from([1, 2, 3])] })] }), /3 bytes/);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.raw('2.5.29.17', false, seq(tlv(0x82, Buffer.from('h\u00e9.example', 'latin1'))))] }), /not ASCII/);
});

test('invalid_critical_false_encoded_explicitly', () => {
  const k = ecKey(0);
  const e = seq(tlv(0x06, Buffer.from([0x55, 0x1d, 0x13])), tlv(0x01, Buffer.from([0])), tlv(0x04, seq()));
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [e] }), /critical FALSE/);
});

test('invalid_key_usage_without_bits', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, extensions: [ext.raw('2.5.29.15', true, bits(Buffer.alloc(0)))] }), /no bit set/);
});

test('warning_serial_longer_than_20_bytes is not an error', () => {
  const k = ecKey(0);
  const c = parseCertificate(makeCert({ subject: 'x', key: k, serial: Buffer.from('01'.repeat(25), 'hex') }));
  assert.match(c.warnings.join(';'), /25 bytes/);
  const neg = parseCertificate(makeCert({ subject: 'x', key: k, serial: Buffer.from([0xfb]) }));
  assert.match(neg.warnings.join(';'), /negative/);
});

test('invalid_serial_not_minimal', () => {
  const k = ecKey(0);
  assertMalformed(makeCert({ subject: 'x', key: k, serial: Buffer.from([0, 1]) }), /non-minimal INTEGER/);
});

test('invalid_bad_printable_string in the subject, valid UTF8String', () => {
  const k = ecKey(0);
  // PrintableString may not hold '@'.
  assertMalformed(makeCert({ subject: [['2.5.4.3', 'a@b', 0x13]], key: k }), /invalid string encoding/);
  assertMalformed(makeCert({ subject: [['2.5.4.3', 'caf\u00e9', 0x16]], key: k }), /invalid string encoding/);
  assert.equal(parseCertificate(makeCert({ subject: [['2.5.4.3', 'caf\u00e9', 0x0c]], key: k })).subject.text, 'CN=caf\u00e9');
});

test('invalid_not_a_certificate: garbage, empty, truncated', () => {
  assertMalformed(Buffer.alloc(0));
  assertMalformed(Buffer.from('hello world'));
  const { leaf } = pki();
  assertMalformed(leaf.subarray(0, leaf.length - 10));
  assertMalformed(seq());
});

test('parseCertificates: PEM bundle, DER, and a PEM without certificates', () => {
  const { leaf, inter } = pki();
  const bundle = Buffer.from(toPem('CERTIFICATE', leaf) + 'comment between blocks\n' + toPem('CERTIFICATE', inter));
  const certs = parseCertificates(bundle);
  assert.deepEqual(certs.map((c) => c.subject.text), ['CN=node', 'CN=Test Intermediate']);
  assert.equal(parseCertificates(leaf).length, 1);
  assert.throws(() => parseCertificates(Buffer.from(toPem('PRIVATE KEY', Buffer.from([1, 2, 3])))), (e: unknown) => isSwarmguardError(e) && e.code === 'ERR_PEM_NO_BLOCK');
  assert.throws(
    () => parseCertificates(Buffer.from(toPem('CERTIFICATE', leaf) + toPem('CERTIFICATE', Buffer.from('junk')))),
    (e: unknown) => e instanceof InputError && e.code === 'ERR_X509_MALFORMED' && /certificate 2/.test(e.message),
  );
});

test('describeCertificate: plain JSON with self-signed decided by signature', () => {
  const { root, leaf } = pki();
  const d = describeCertificate(parseCertificate(root));
  assert.equal(d.selfSigned, true);
  assert.equal(d.selfIssued, true);
  assert.deepEqual(d.basicConstraints, { ca: true, pathLen: null });
  assert.deepEqual(d.keyUsage, ['keyCertSign', 'cRLSign']);
  assert.equal(d.signatureAlgorithm, 'ecdsa-with-SHA256');
  const l = describeCertificate(parseCertificate(leaf));
  assert.equal(l.selfSigned, false);
  assert.deepEqual(l.subjectAltNames, ['DNS:node.example.com']);
  assert.deepEqual(l.extendedKeyUsage, ['serverAuth', 'clientAuth']);
  assert.deepEqual(JSON.parse(JSON.stringify(l)), l);
  // A subject == issuer certificate signed by another key is self-issued but not self-signed.
  const other = makeCert({ subject: 'Same', issuer: 'Same', key: ecKey(0), signer: ecKey(1), extensions: [ext.ku([KU.keyCertSign]), ext.basic(true)] });
  const o = describeCertificate(parseCertificate(other));
  assert.equal(o.selfIssued, true);
  assert.equal(o.selfSigned, false);
});

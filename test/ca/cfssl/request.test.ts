/** The sign request parser and planner (pure): shapes, policy, and the cfssl code each refusal maps to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignRequest, parseSignRequestJson, planSignRequest, type SignPolicy } from '../../../src/ca/cfssl/request.js';
import { toFailure } from '../../../src/ca/cfssl/errors.js';
import { checkServeFlags, parseListen } from '../../../src/ca/cfssl/flags.js';
import { InputError } from '../../../src/errors.js';
import { CLUSTER, NODE, swarmkitRequest } from './fixtures.js';

const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMII=\n-----END CERTIFICATE REQUEST-----\n';
const policy = (p: Partial<SignPolicy> = {}): SignPolicy => ({
  allowCrossSign: false,
  nodeHosts: (role, nodeId) => (role === 'manager' ? ['swarm-manager', nodeId, 'swarm-ca'] : ['swarm-worker', nodeId]),
  ...p,
});
const body = (doc: unknown): Buffer => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));

function refusal(fn: () => unknown): { code: string; cfssl: number; status: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    const f = toFailure(e);
    return { code: e.code, cfssl: f.code, status: f.status, message: f.message };
  }
  assert.fail('expected a refusal');
}

test('SwarmKit manager and worker requests plan into node certificates; unknown fields are ignored', () => {
  const m = parseSignRequest(body(swarmkitRequest(CSR)), policy());
  assert.deepEqual(m, { kind: 'node', role: 'manager', nodeId: NODE, clusterId: CLUSTER, csrPem: CSR });
  const w = parseSignRequest(body({ ...swarmkitRequest(CSR, { role: 'worker' }), extensions: [{ id: [2, 5, 29, 19] }], zzz: { a: 1 } }), policy());
  assert.equal(w.kind === 'node' && w.role, 'worker');
  // hosts in another order are the same set
  const reordered = parseSignRequest(body(swarmkitRequest(CSR, { hosts: ['swarm-ca', NODE, 'swarm-manager'] })), policy());
  assert.equal(reordered.kind, 'node');
  // cfssl's legacy comma-separated hostname wins over hosts
  const legacy = parseSignRequest(body({ ...swarmkitRequest(CSR, { hosts: [] }), hostname: `swarm-manager,${NODE},swarm-ca` }), policy());
  assert.equal(legacy.kind, 'node');
  // an older encoding without NotBefore/metadata (20.10's vendored cfssl)
  const old = parseSignRequest(body({ hosts: ['swarm-worker', NODE], certificate_request: CSR, subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'swarm-worker' }] } }), policy());
  assert.equal(old.kind, 'node');
});

test('profile "CA" is a cross-sign, refused unless allowed; other profiles are unknown', () => {
  const req = { certificate_request: CSR, profile: 'CA', subject: { CN: 'swarm-ca', names: [] }, extensions: [{ id: [2, 5, 29, 19], critical: true, value: '30030101ff' }] };
  const r = refusal(() => parseSignRequest(body(req), policy()));
  assert.equal(r.code, 'ERR_CFSSL_CROSS_SIGN');
  assert.equal(r.cfssl, 5300);
  assert.match(r.message, /--allow-cross-sign/);
  assert.deepEqual(parseSignRequest(body(req), policy({ allowCrossSign: true })), { kind: 'cross-sign', csrPem: CSR });
  assert.equal(refusal(() => parseSignRequest(body({ ...req, hosts: ['x'] }), policy({ allowCrossSign: true }))).code, 'ERR_CFSSL_HOSTS');
  const p = refusal(() => parseSignRequest(body({ ...swarmkitRequest(CSR), profile: 'server' }), policy()));
  assert.equal(p.code, 'ERR_CFSSL_PROFILE');
  assert.equal(p.cfssl, 5400);
});

test('malformed bodies are JSON errors (HTTP 400, code 400, as cfssl)', () => {
  for (const bad of ['{bad', '', 'null', '[]', '"x"', '42', JSON.stringify({ certificate_request: 5 }), JSON.stringify({ hosts: 'a' }), JSON.stringify({ hosts: [1] }), JSON.stringify({ subject: [] }), JSON.stringify({ subject: { CN: 1 } }), JSON.stringify({ subject: { names: {} } }), JSON.stringify({ subject: { names: [null] } }), JSON.stringify({ subject: { names: [{ O: 7 }] } }), JSON.stringify({ profile: {} })]) {
    const r = refusal(() => parseSignRequestJson(body(bad)));
    assert.ok(r.code === 'ERR_CFSSL_JSON' || r.code === 'ERR_CFSSL_FIELD', `${bad}: ${r.code}`);
    assert.equal(r.status, 400);
    assert.equal(r.cfssl, 400);
    assert.match(r.message, /^Unable to parse sign request: /);
  }
});

test('missing CSR is cfssl\'s missing parameter', () => {
  for (const doc of [{}, { certificate_request: '' }, { certificate_request: null, subject: { CN: NODE } }]) {
    const r = refusal(() => parseSignRequest(body(doc), policy()));
    assert.equal(r.code, 'ERR_CFSSL_CSR_MISSING');
    assert.equal(r.cfssl, 400);
    assert.match(r.message, /missing parameter 'certificate_request'/);
  }
});

test('node policy: subject, role, cluster and hosts must be what the node profile produces', () => {
  const cases: Array<[string, unknown, string, Partial<SignPolicy>?]> = [
    ['no subject', { ...swarmkitRequest(CSR), subject: null }, 'ERR_CFSSL_SUBJECT'],
    ['empty CN', { ...swarmkitRequest(CSR), subject: { CN: '', names: [{ O: CLUSTER, OU: 'swarm-manager' }] } }, 'ERR_CFSSL_SUBJECT'],
    ['CN with a slash', { ...swarmkitRequest(CSR, { nodeId: 'a/b' }) }, 'ERR_CFSSL_SUBJECT'],
    ['wrong OU', { ...swarmkitRequest(CSR), subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'admins' }] } }, 'ERR_CFSSL_SUBJECT'],
    ['two OUs', { ...swarmkitRequest(CSR), subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'swarm-manager' }, { OU: 'swarm-worker' }] } }, 'ERR_CFSSL_SUBJECT'],
    ['no O', { ...swarmkitRequest(CSR), subject: { CN: NODE, names: [{ OU: 'swarm-manager' }] } }, 'ERR_CFSSL_SUBJECT'],
    ['extra C', { ...swarmkitRequest(CSR), subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'swarm-manager', C: 'US' }] } }, 'ERR_CFSSL_SUBJECT'],
    ['subject serial', { ...swarmkitRequest(CSR), subject: { CN: NODE, names: [{ O: CLUSTER, OU: 'swarm-manager' }], SerialNumber: '1' } }, 'ERR_CFSSL_SUBJECT'],
    ['worker hosts on a manager', swarmkitRequest(CSR, { hosts: ['swarm-worker', NODE] }), 'ERR_CFSSL_HOSTS'],
    ['extra host', swarmkitRequest(CSR, { hosts: ['swarm-manager', NODE, 'swarm-ca', 'evil.example'] }), 'ERR_CFSSL_HOSTS'],
    ['duplicate host', swarmkitRequest(CSR, { role: 'worker', hosts: ['swarm-worker', 'swarm-worker'] }), 'ERR_CFSSL_HOSTS'],
    ['no hosts', swarmkitRequest(CSR, { hosts: [] }), 'ERR_CFSSL_HOSTS'],
    ['other node in hosts', swarmkitRequest(CSR, { hosts: ['swarm-manager', 'othernode', 'swarm-ca'] }), 'ERR_CFSSL_HOSTS'],
    ['too many hosts', swarmkitRequest(CSR, { hosts: Array.from({ length: 17 }, (_, i) => `h${i}`) }), 'ERR_CFSSL_HOSTS'],
    ['pinned cluster', swarmkitRequest(CSR, { clusterId: 'othercluster' }), 'ERR_CFSSL_CLUSTER', { clusterId: CLUSTER }],
  ];
  for (const [name, doc, code, p] of cases) {
    const r = refusal(() => parseSignRequest(body(doc), policy(p)));
    assert.equal(r.code, code, name);
    assert.equal(r.cfssl, 5300, name);
    assert.equal(r.status, 400, name);
  }
  assert.equal(parseSignRequest(body(swarmkitRequest(CSR)), policy({ clusterId: CLUSTER })).kind, 'node');
  // the planner alone takes the typed input
  assert.equal(planSignRequest({ certificate_request: CSR, hosts: ['swarm-worker', 'n'], subject: { CN: 'n', names: [{ O: 'FIPS.c', OU: 'swarm-worker' }] } }, policy()).kind, 'node');
});

test('serve flags: listen addresses and TLS / client-auth combinations', () => {
  assert.deepEqual(parseListen('127.0.0.1:8888'), { host: '127.0.0.1', port: 8888 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
  for (const bad of ['127.0.0.1', '127.0.0.1:99999', '[zz]:1', 'a:b', '']) assert.throws(() => parseListen(bad), /not HOST:PORT|not an IPv6/);
  const usage = (m: string): Error => new Error(m);
  assert.throws(() => checkServeFlags({ listen: '127.0.0.1:0' }, usage), /--client-ca FILE/);
  assert.doesNotThrow(() => checkServeFlags({ listen: '127.0.0.1:0', clientCa: 'x' }, usage));
  assert.doesNotThrow(() => checkServeFlags({ listen: '127.0.0.1:0', insecureNoClientAuth: true }, usage));
  assert.throws(() => checkServeFlags({ listen: '127.0.0.1:0', insecureNoClientAuth: true, requireManager: true, allowCrossSign: true }, usage), /--require-manager.*--allow-cross-sign/);
  assert.throws(() => checkServeFlags({ listen: '127.0.0.1:0', clientCa: 'x', cert: 'c' }, usage), /--cert and --key go together/);
  assert.throws(() => checkServeFlags({ listen: '0.0.0.0:0', insecureHttp: true }, usage), /only on loopback/);
  assert.throws(() => checkServeFlags({ listen: '127.0.0.1:0', insecureHttp: true, clientCa: 'x' }, usage), /--client-ca needs TLS/);
  assert.doesNotThrow(() => checkServeFlags({ listen: '127.0.0.1:0', insecureHttp: true }, usage));
});

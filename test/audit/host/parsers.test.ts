import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDockerdArgs, splitCmdline } from '../../../src/audit/host/cmdline.js';
import { jsonErrorOffset, parseDaemonJson } from '../../../src/audit/host/daemon-json.js';
import { decodeAddress, listeners, parseProcNetInet, parseProcNetUnix } from '../../../src/audit/host/proc-net.js';
import { mergeSettings } from '../../../src/audit/host/settings.js';
import { validateHostFacts } from '../../../src/audit/host/schema.js';
import { recordAlgorithm, summarizeNodeCert, summarizeNodeKey } from '../../../src/audit/host/swarm-files.js';
import { scrub } from '../../../src/audit/host/redact.js';
import { isSwarmguardError } from '../../../src/errors.js';
import { INET_HEADER, UNIX_HEADER, inetRow, unixRow } from './tree.js';

test('dockerd argv: --flag=v, --flag v, short flags, grouped booleans, repeats, booleans only with =', () => {
  const p = parseDockerdArgs([
    '/usr/bin/dockerd', '-H', 'fd://', '--host=unix:///run/a.sock', '-Htcp://127.0.0.1:2376', '--icc=false', '--log-level', 'debug',
    '-Dl', 'warn', '--userland-proxy=false', '--no-new-privileges', '--default-ulimit', 'nofile=1024:2048', '--storage-opt=dm.basesize=20G',
    '--log-opt', 'max-size=10m', '--log-opt=max-file=3', '-p=/run/x.pid', '--bogus', '--iptables', 'false', '--', 'tail',
  ]);
  assert.deepEqual(p.flags.host, ['fd://', 'unix:///run/a.sock', 'tcp://127.0.0.1:2376']);
  assert.deepEqual(p.flags.icc, ['false']);
  assert.deepEqual(p.flags['log-level'], ['debug', 'warn']);
  assert.deepEqual(p.flags.debug, ['true']);
  assert.deepEqual(p.flags.pidfile, ['/run/x.pid']);
  assert.deepEqual(p.flags.iptables, ['true'], 'a boolean never takes the next word');
  assert.deepEqual(p.unrecognized, ['--bogus', 'positional false', 'positional tail']);
  const m = mergeSettings(p.flags, undefined).settings;
  assert.equal(m.icc!.value, false);
  assert.equal(m['log-level']!.value, 'debug', '--debug forces the debug level');
  assert.match(m['log-level']!.from!, /debug mode/);
  assert.deepEqual(m['default-ulimits']!.value, { nofile: '1024:2048' });
  assert.deepEqual(m['log-opts']!.value, { 'max-size': '10m', 'max-file': '3' });
  assert.deepEqual(m['storage-opts']!.value, ['dm.basesize=20G']);
  assert.equal(m['userland-proxy']!.value, false);
  assert.equal(m['no-new-privileges']!.value, true);
  assert.equal(m['cgroup-parent']!.source, 'default');
  assert.deepEqual(splitCmdline(Buffer.from('dockerd\0-D\0')), ['dockerd', '-D']);
});

test('merge: flags and daemon.json, with sources; both at once is a conflict', () => {
  const { settings, conflicts } = mergeSettings({ 'log-level': ['info'] }, { 'log-level': 'debug', 'cgroup-parent': '/custom', graph: '/old' });
  assert.deepEqual(settings['log-level'], { value: 'info', source: 'flag', from: '--log-level' });
  assert.deepEqual(settings['cgroup-parent'], { value: '/custom', source: 'config-file', from: 'cgroup-parent' });
  assert.equal(settings['data-root']!.value, '/old');
  assert.deepEqual(conflicts, ['log-level']);
  assert.equal(mergeSettings({}, { debug: true }).settings['log-level']!.value, 'debug');
});

test('daemon.json: syntax errors give file, line and column; wrong types name the key; unknown keys are listed', () => {
  const err = (text: string) => {
    try {
      parseDaemonJson(text, '/etc/docker/daemon.json');
    } catch (e) {
      assert.ok(isSwarmguardError(e));
      assert.equal(e.code, 'ERR_AUDIT_DAEMON_JSON');
      return e.message;
    }
    assert.fail('no error');
  };
  assert.match(err('{\n  "icc": false,\n  "debug": tru\n}'), /^\/etc\/docker\/daemon\.json is not valid JSON at line 3, column \d+/);
  assert.match(err('[]'), /daemon\.json must hold a JSON object/);
  assert.match(err('{"a": [1, 2,]}'), /at line 1, column 13/);
  assert.match(err('{"a": "x\n"}'), /at line 1, column 9/);
  assert.match(err('{"a": 1} x'), /at line 1, column 10/);
  const m = err('{"icc": "no", "hosts": "unix:///x", "log-opts": {"max-size": 10}, "default-address-pools": [1], "mtu": 1.5}');
  for (const k of ['"icc" must be a boolean', '"hosts" must be a string[]', '"log-opts" must be an object of strings', '"default-address-pools" must be an array of objects', '"mtu" must be a integer']) assert.ok(m.includes(k), `${k} in ${m}`);
  const ok = parseDaemonJson('\uFEFF{"log-level":"debug","userland-proxy":true,"frobnicate":1,"__proto__":{"x":1}}', 'f');
  assert.deepEqual(ok.values, { 'log-level': 'debug', 'userland-proxy': true });
  assert.deepEqual(ok.unknownKeys, ['frobnicate', '__proto__']);
});

test('/proc/net: IPv4 and IPv6 addresses, listeners only, unix sockets with paths', () => {
  assert.equal(decodeAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeAddress('00000000'), '0.0.0.0');
  assert.equal(decodeAddress('00000000000000000000000000000000'), '::');
  assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
  assert.equal(decodeAddress('0000000000000000FFFF00000100007F'), '::ffff:127.0.0.1');
  assert.equal(decodeAddress('B80D0120000000000000000001000000'), '2001:db8::1');
  const tcp = INET_HEADER + inetRow('00000000', 2377, '0A', 11) + inetRow('0100007F', 40000, '01', 12, '0100007F:0CEA') + 'garbage\n';
  assert.deepEqual(listeners('tcp', parseProcNetInet(tcp)).map((s) => `${s.address}:${s.port}/${s.inode}`), ['0.0.0.0:2377/11']);
  const udp = INET_HEADER + inetRow('00000000', 4789, '07', 0) + inetRow('0100007F', 53, '01', 9, '0100007F:0035');
  assert.deepEqual(listeners('udp', parseProcNetInet(udp)).map((s) => s.port), [4789]);
  const unix = UNIX_HEADER + unixRow(5, '/run/docker.sock') + unixRow(6, '/tmp/with space.sock', false) + '0000000000000000: 00000002 00000000 00000000 0001 03 7\n';
  assert.deepEqual(parseProcNetUnix(unix), [
    { inode: 5, listening: true, path: '/run/docker.sock' },
    { inode: 6, listening: false, path: '/tmp/with space.sock' },
    { inode: 7, listening: false },
  ]);
});

test('swarm-node.key: type, header names and raft-dek algorithm only, never values', () => {
  // MaybeEncryptedRecord{algorithm=1, data=..., nonce=...} and {algorithm NONE (omitted), data=32 bytes}
  const sealed = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x02, 0xaa, 0xbb])]).toString('base64');
  const clear = Buffer.concat([Buffer.from([0x12, 0x20]), Buffer.alloc(32, 7)]).toString('base64');
  assert.equal(recordAlgorithm(sealed), 1);
  assert.equal(recordAlgorithm(clear), 0);
  assert.ok(clear.startsWith('EiA'), 'a clear DEK record starts EiA (swarmkit spec §6.2)');
  const enc = summarizeNodeKey(`-----BEGIN ENCRYPTED PRIVATE KEY-----\nkek-version: 21\nraft-dek: ${sealed}\n\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n`, 'k');
  assert.deepEqual(enc, { pemType: 'ENCRYPTED PRIVATE KEY', encrypted: true, kekVersion: '21', headers: ['kek-version', 'raft-dek'], raftDekAlgorithm: 1, raftDekPending: false });
  const plain = summarizeNodeKey(`-----BEGIN PRIVATE KEY-----\nraft-dek: ${clear}\n\nMIIB\n-----END PRIVATE KEY-----\n`, 'k');
  assert.equal(plain.encrypted, false);
  assert.equal(plain.raftDekAlgorithm, 0);
  assert.doesNotMatch(JSON.stringify(plain), new RegExp(clear.slice(0, 12)));
  const legacy = summarizeNodeKey('-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAA\n-----END EC PRIVATE KEY-----\n', 'k');
  assert.equal(legacy.encrypted, true);
  assert.throws(() => summarizeNodeKey('not a key', '/x/swarm-node.key'), /\/x\/swarm-node\.key is not a PEM private key/);
});

test('redaction: log-opt tokens and URL passwords never reach the facts', () => {
  const s = scrub({ argv: ['dockerd', '--log-opt', 'splunk-token=abc123', '--log-opt=splunk-token=abc123', '--registry-mirror=https://u:hunter2@m.example'], opts: { 'splunk-token': 'abc123', 'max-size': '10m' } });
  const text = JSON.stringify(s);
  assert.doesNotMatch(text, /abc123|hunter2/);
  assert.match(text, /max-size":"10m/);
});

const typedOrValue = (f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    if (!isSwarmguardError(e)) throw e;
  }
};

test('fuzz: argv, daemon.json and /proc/net parsers give values or typed errors only', () => {
  const flagish = fc.oneof(fc.string(), fc.constantFrom('-H', '--host', '--icc=false', '-D', '-Dl', '--log-level', '--', '-', '--=', '-=x', '--debug=maybe'));
  fc.assert(
    fc.property(fc.array(flagish, { maxLength: 20 }), (argv) => {
      const p = parseDockerdArgs(['dockerd', ...argv]);
      mergeSettings(p.flags, undefined);
    }),
    { numRuns: 500 },
  );
  // the error-position scanner agrees with JSON.parse on what is valid
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (t) => {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      if (valid) assert.equal(jsonErrorOffset(t), t.length);
      else assert.ok(jsonErrorOffset(t) <= t.length);
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ hosts: v, icc: v, 'log-opts': v }))), (t) => typedOrValue(() => parseDaemonJson(t, 'f'))), { numRuns: 500 });
  const line = fc.array(fc.oneof(fc.stringMatching(/^[0-9A-F]{0,33}$/), fc.string({ maxLength: 12 }), fc.constantFrom(':', ' ', '0A', '07', '\n')), { maxLength: 14 }).map((a) => a.join(' '));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 6 }), (ls) => {
      const text = INET_HEADER + ls.join('\n');
      listeners('tcp', parseProcNetInet(text));
      parseProcNetUnix(UNIX_HEADER + ls.join('\n'));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.string(), (t) => typedOrValue(() => summarizeNodeKey(t, 'k'))), { numRuns: 300 });
  fc.assert(fc.property(fc.base64String(), (t) => void recordAlgorithm(t)), { numRuns: 300 });
});

test('fuzz: host.json validation and certificate summaries give values or typed errors only', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ format: fc.constant('swarmguard-host-facts/1'), daemon: fc.jsonValue(), settings: fc.jsonValue(), files: fc.jsonValue(), listening: fc.jsonValue(), swarm: fc.jsonValue() })), async (doc) => {
      try {
        await validateHostFacts(doc, '/s/host.json');
      } catch (e) {
        assert.ok(isSwarmguardError(e) && e.code === 'ERR_AUDIT_SNAPSHOT_HOST' && e.message.startsWith('/s/host.json: '), String(e));
      }
    }),
    { numRuns: 300 },
  );
  fc.assert(fc.property(fc.string(), (t) => typedOrValue(() => summarizeNodeCert(t, 'c'))), { numRuns: 200 });
});

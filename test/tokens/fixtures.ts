/**
 * Test fixtures for the tokens module: a SwarmKit-style root bundle and node
 * keys built in memory (valid_*), plus helpers to damage them (invalid_*).
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { toPem } from '../../src/core/pem.js';
import { encodeRecordHeader, RecordAlgorithm, sealRecord } from '../../src/tokens/dek-record.js';
import { formatNodeKeyFile } from '../../src/tokens/node-key.js';
import { encryptPbes2 } from '../../src/tokens/pbes2.js';
import { formatUnlockKey } from '../../src/tokens/unlock-key.js';
import { bitString, explicit, oid, seq, set, smallInt, time, uint, directoryString } from '../../src/core/der.js';

/** A self-signed P-256 "swarm-ca" root (enough for digest tests; signature checked by X509Certificate). */
export function makeRoot(cn = 'swarm-ca'): { pem: string; key: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(set(seq(oid('2.5.4.3'), directoryString(cn))));
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(
    explicit(0, smallInt(2)),
    uint(randomBytes(16)),
    alg,
    name,
    seq(time(new Date(Date.now() - 300_000)), time(new Date(Date.now() + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const der = seq(tbs, alg, bitString(sign('sha256', tbs, privateKey)));
  new X509Certificate(der); // sanity
  return { pem: toPem('CERTIFICATE', der), key: privateKey };
}

/** A self-signed node certificate for `key` (subject O/OU/CN like SwarmKit's). */
export function makeNodeCert(key: KeyObject): X509Certificate {
  const subject = seq(
    set(seq(oid('2.5.4.10'), directoryString('cluster1'))),
    set(seq(oid('2.5.4.11'), directoryString('swarm-manager'))),
    set(seq(oid('2.5.4.3'), directoryString('node1'))),
  );
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = seq(explicit(0, smallInt(2)), uint(randomBytes(16)), alg, subject, seq(time(new Date(Date.now() - 3_600_000)), time(new Date(Date.now() + 86_400_000))), subject, spki);
  return new X509Certificate(seq(tbs, alg, bitString(sign('sha256', tbs, key))));
}

export interface NodeKeyFixture {
  pem: string;
  key: KeyObject;
  kek: Buffer;
  unlockKey: string;
  dek: Buffer;
}

/** valid_manager_autolock: ENCRYPTED PRIVATE KEY, kek-version and a secretbox raft-dek, as SwarmKit writes it. */
export function makeLockedNodeKey(opts: { kekVersion?: number; algorithm?: number; pending?: boolean } = {}): NodeKeyFixture {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kek = randomBytes(32);
  const dek = randomBytes(32);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const headers: Array<[string, string]> = [
    ['kek-version', String(opts.kekVersion ?? 0)],
    ['raft-dek', encodeRecordHeader(sealRecord(dek, kek, opts.algorithm ?? RecordAlgorithm.SECRETBOX_SALSA20_POLY1305, { now: new Date() }))],
  ];
  if (opts.pending) headers.push(['raft-dek-pending', encodeRecordHeader(sealRecord(randomBytes(32), kek, RecordAlgorithm.SECRETBOX_SALSA20_POLY1305))]);
  const pem = formatNodeKeyFile('ENCRYPTED PRIVATE KEY', encryptPbes2(pkcs8, kek), headers);
  return { pem, key: privateKey, kek, unlockKey: formatUnlockKey(kek), dek };
}

/** valid_manager_autolock_off: PRIVATE KEY and a raft-dek record with algorithm NONE. */
export function makeUnlockedNodeKey(): { pem: string; key: KeyObject; dek: Buffer } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dek = randomBytes(32);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const pem = formatNodeKeyFile('PRIVATE KEY', pkcs8, [
    ['kek-version', '0'],
    ['raft-dek', encodeRecordHeader({ algorithm: RecordAlgorithm.NONE, data: dek, nonce: Buffer.alloc(0) })],
  ]);
  return { pem, key: privateKey, dek };
}

/**
 * Wycheproof signature vectors through our signature-check wrapper
 * (src/trust/signatures.ts): ECDSA P-256/P-384 in P1363 (Notary's r‖s) and
 * DER (TUF), Ed25519 from the raw 32-byte key (Notary's encoding), RSA-PSS
 * with salt 32, and PKCS#1 v1.5. Every `valid`/`invalid` outcome must hold;
 * `acceptable` cases are skipped (policy choices).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { usableKeyFromEd25519, usableKeyFromSpki, verifySignatureBytes, type DigestName, type KeyResult, type SignatureScheme } from '../../src/trust/signatures.js';
import { corporaDir, hasCorpora, NO_CORPORA } from '../helpers/env.js';

interface WTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WGroup {
  publicKeyDer: string;
  publicKey?: { pk?: string };
  sha?: string;
  sLen?: number;
  tests: WTest[];
}

const FILES: Array<{ file: string; scheme: SignatureScheme; key: 'spki' | 'ed25519-raw' }> = [
  { file: 'ecdsa_secp256r1_sha256_p1363_test.json', scheme: 'ecdsa-p1363', key: 'spki' },
  { file: 'ecdsa_secp256r1_sha256_test.json', scheme: 'ecdsa-der', key: 'spki' },
  { file: 'ecdsa_secp384r1_sha384_p1363_test.json', scheme: 'ecdsa-p1363', key: 'spki' },
  { file: 'ecdsa_secp384r1_sha384_test.json', scheme: 'ecdsa-der', key: 'spki' },
  { file: 'ed25519_test.json', scheme: 'ed25519', key: 'ed25519-raw' },
  { file: 'rsa_pss_2048_sha256_mgf1_32_test.json', scheme: 'rsa-pss', key: 'spki' },
  { file: 'rsa_pss_3072_sha256_mgf1_32_test.json', scheme: 'rsa-pss', key: 'spki' },
  { file: 'rsa_pss_4096_sha256_mgf1_32_test.json', scheme: 'rsa-pss', key: 'spki' },
  { file: 'rsa_signature_2048_sha256_test.json', scheme: 'rsa-pkcs1v15', key: 'spki' },
  { file: 'rsa_signature_3072_sha256_test.json', scheme: 'rsa-pkcs1v15', key: 'spki' },
  { file: 'rsa_signature_4096_sha256_test.json', scheme: 'rsa-pkcs1v15', key: 'spki' },
];

const HASHES: Record<string, DigestName> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const dir = path.join(corporaDir, 'wycheproof', 'testvectors_v1');

describe('Wycheproof through verifySignatureBytes', { skip: hasCorpora ? false : NO_CORPORA }, () => {
  for (const f of FILES) {
    test(f.file, { skip: existsSync(path.join(dir, f.file)) ? false : `${f.file} not in the corpus` }, () => {
      const j = JSON.parse(readFileSync(path.join(dir, f.file), 'utf8')) as { testGroups: WGroup[] };
      let checked = 0;
      let skipped = 0;
      const failures: string[] = [];
      for (const g of j.testGroups) {
        const key: KeyResult = f.key === 'ed25519-raw' ? usableKeyFromEd25519(Buffer.from(g.publicKey!.pk!, 'hex')) : usableKeyFromSpki(Buffer.from(g.publicKeyDer, 'hex'));
        const hash = g.sha ? HASHES[g.sha] : undefined;
        for (const t of g.tests) {
          if (t.result === 'acceptable') {
            skipped++;
            continue;
          }
          checked++;
          const ok = key.ok && verifySignatureBytes(f.scheme, key.key, Buffer.from(t.msg, 'hex'), Buffer.from(t.sig, 'hex'), { ...(hash ? { hash } : {}), ...(g.sLen !== undefined ? { saltLength: g.sLen } : {}) });
          if (ok !== (t.result === 'valid')) failures.push(`tcId ${t.tcId} (${t.comment}): expected ${t.result}, got ${ok ? 'valid' : 'invalid'}${key.ok ? '' : ` [key: ${key.reason}]`}`);
        }
      }
      assert.deepEqual(failures, [], failures.slice(0, 10).join('\n'));
      assert.ok(checked > 100, `only ${checked} vectors checked`);
      void skipped;
    });
  }
});

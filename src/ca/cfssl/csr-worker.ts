/**
 * Worker thread of `CsrVerifierPool`: parse and verify CSRs (readCsr: DER
 * walk, key import, signature check), a batch per message. Input errors go
 * back as {code, message} and are rebuilt on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { readCsr } from '../csr.js';
import { isSwarmguardError } from '../../errors.js';

export interface CsrJob {
  id: number;
  pem: string;
}

export type CsrJobResult =
  | { id: number; ok: { der: Uint8Array; subjectDer: Uint8Array; spki: Uint8Array; publicKey: import('node:crypto').KeyObject; key: import('../../core/keys.js').KeyInfo; signatureAlgorithm: string } }
  | { id: number; err: { code: string; message: string; input: boolean } };

parentPort?.on('message', (batch: CsrJob[]) => {
  const out: CsrJobResult[] = batch.map(({ id, pem }) => {
    try {
      const p = readCsr(Buffer.from(pem, 'utf8'));
      return { id, ok: { der: p.der, subjectDer: p.subjectDer, spki: p.spki, publicKey: p.publicKey, key: p.key, signatureAlgorithm: p.signatureAlgorithm } };
    } catch (e) {
      const input = isSwarmguardError(e) && e.kind === 'input';
      return { id, err: { code: input ? e.code : 'ERR_INTERNAL', message: e instanceof Error ? e.message : String(e), input } };
    }
  });
  parentPort!.postMessage(out);
});

/**
 * `rotateRoot`: move the CA to a new root in stages, as SwarmKit does
 * (spec 4.2) and as smallstep tests it (phase fixtures):
 *
 *   idle ──start──▶ cross-signed ──switch──▶ switched ──finish──▶ idle (old root retired)
 *                        │
 *                        └──abort──▶ idle (old root kept, new key discarded)
 *
 * - start: a new root (generated P-256, or imported with the checks of spec
 *   2.3) is cross-signed by the OLD root key. The new key signs from now on and
 *   every leaf carries [leaf][cross-signed]; the trust root nodes receive stays
 *   the old root, so they validate leaf → cross-signed → old root.
 * - switch: the trust root becomes the new root (SwarmKit's "finish": join
 *   token digests change). Leaves keep the cross-signed cert, so peers that
 *   still hold only the old root keep working.
 * - finish: the old root is retired, the signer's chain emptied, its key deleted.
 * - abort (from cross-signed only): back to the old root as signer.
 *
 * Between start and finish verifiers must trust old + new (`trustBundle`).
 * switch and finish refuse while live certificates from the old issuer remain
 * (SwarmKit waits for every node to converge), unless forced.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { defaults } from '../defaults.js';
import { InputError, VerificationError } from '../errors.js';
import type { Clock } from '../core/clock.js';
import { certFields } from '../core/certfields.js';
import { children, contentOf, decodeOid, readTlv } from '../core/der.js';
import { assertStrongKey, encryptPrivateKey, generateP256, loadPrivateKey, spkiDer, subjectKeyId } from '../core/keys.js';
import { SIGNATURE_ALGORITHMS } from '../core/oids.js';
import { derObjects, toPem } from '../core/pem.js';
import type { StateStore } from '../store/state-store.js';
import { crossSignRoot } from './cross-sign.js';
import { checkCaMaterial, generateSwarmRoot } from './root-material.js';
import { certsOf } from './describe.js';
import { issueCertificate, selfSigner } from './issue.js';
import { loadProfiles } from './profiles.js';
import { openRevocations } from './revocation-list.js';
import { keyStoreKey, loadCaKey, readIssued, requireCaState, writeCaState, type CaState } from './state.js';
import { liveCertificates, onOldIssuer, signerSkiHex, type CaStage, type LiveCertificate } from './status.js';

export { trustBundle } from './state.js';

export type RotateStep = 'start' | 'switch' | 'finish' | 'abort';

export interface NewRootMaterial {
  /** PEM or DER of the new root (exactly one certificate). */
  cert: Uint8Array;
  /** Its private key, PEM or DER. */
  key: Uint8Array;
  /** Passphrase of the key file, when encrypted. */
  keyPassphrase?: Uint8Array;
}

export interface RotateOptions {
  /** The transition to make; 'next' advances one stage from wherever the CA is. */
  step: RotateStep | 'next';
  /** The CA passphrase: start decrypts the old key with it and encrypts the new key under it. */
  passphrase?: Uint8Array;
  /** start: rotate to this root instead of generating one. */
  importRoot?: NewRootMaterial;
  /** switch/finish: proceed although live certificates still come from the old issuer. */
  force?: boolean;
}

export interface RotateResult {
  step: RotateStep;
  from: CaStage;
  to: CaStage;
  state: CaState;
  /** Live certificates not issued by the (new) signer after this step: nodes that must still renew. */
  pending: LiveCertificate[];
  /** What to do next, in one line. */
  next: string;
}

interface StepContext {
  store: StateStore;
  state: CaState;
  opts: RotateOptions;
  now: Date;
  /** Keys to delete once the new state is written. */
  discard: string[];
}

interface StepDef {
  from: CaStage[];
  to: CaStage;
  /** Why the step is refused in other stages, and what to do instead. */
  refusal: Partial<Record<CaStage, string>>;
  run(ctx: StepContext): Promise<CaState>;
  next: string;
}

const NEXT_OF: Record<CaStage, RotateStep> = { idle: 'start', 'cross-signed': 'switch', switched: 'finish' };

const STEPS: Record<RotateStep, StepDef> = {
  start: {
    from: ['idle'],
    to: 'cross-signed',
    refusal: {
      'cross-signed': 'a rotation is already in progress; continue it with --stage switch, or cancel it with --stage abort first',
      switched: 'a rotation is already in progress; finish it with --stage finish first',
    },
    run: startRotation,
    next: 'renew every node certificate (swarmguard ca renew, or let nodes renew), watch swarmguard ca status, then: swarmguard ca rotate --stage switch',
  },
  switch: {
    from: ['cross-signed'],
    to: 'switched',
    refusal: { idle: 'no rotation is in progress; start one with --stage start', switched: 'the trust root has already switched; next is --stage finish' },
    run: async (ctx) => {
      const rot = ctx.state.rotation!;
      await assertConverged(ctx, 'switch');
      return { ...ctx.state, trustRootPem: rot.newRoot.certPem, rotation: { ...rot, stage: 'switched', switchedAt: ctx.now.toISOString() } };
    },
    next: 'distribute the new trust root (swarmguard ca export-root) and regenerate join tokens (their digest changed), then: swarmguard ca rotate --stage finish',
  },
  finish: {
    from: ['switched'],
    to: 'idle',
    refusal: { idle: 'no rotation is in progress; start one with --stage start', 'cross-signed': 'switch the trust root first with --stage switch' },
    run: async (ctx) => {
      const rot = ctx.state.rotation!;
      await assertConverged(ctx, 'finish');
      if (rot.oldRoot.keyRef && rot.oldRoot.keyRef !== rot.newRoot.keyRef) ctx.discard.push(rot.oldRoot.keyRef);
      const { rotation: _done, ...rest } = ctx.state;
      return {
        ...rest,
        mode: rot.source === 'imported' ? 'imported-root' : 'root',
        signer: { ...ctx.state.signer, chainPems: [] },
        retiredRoots: [...ctx.state.retiredRoots, { certPem: rot.oldRoot.certPem, retiredAt: ctx.now.toISOString() }],
      };
    },
    next: 'done: the old root is retired; certificates that still carry the cross-signed cert keep working until their next renewal',
  },
  abort: {
    from: ['cross-signed'],
    to: 'idle',
    refusal: {
      idle: 'no rotation is in progress',
      switched: 'the trust root has already switched to the new root and nodes may trust only it; finish with --stage finish (rotate again later to move on)',
    },
    run: async (ctx) => {
      const rot = ctx.state.rotation!;
      if (rot.newRoot.keyRef && rot.newRoot.keyRef !== rot.oldRoot.keyRef) ctx.discard.push(rot.newRoot.keyRef);
      const { rotation: _dropped, ...rest } = ctx.state;
      return { ...rest, signer: { certPem: rot.oldRoot.certPem, ...(rot.oldRoot.keyRef ? { keyRef: rot.oldRoot.keyRef } : {}), chainPems: [] } };
    },
    next: 'the old root signs again; certificates issued during the rotation chain to the discarded root: renew them (swarmguard ca status lists them)',
  },
};

export async function rotateRoot(store: StateStore, opts: RotateOptions, clock: Clock): Promise<RotateResult> {
  return store.withLock(async () => {
    const now = clock.now();
    const state = await requireCaState(store);
    const from: CaStage = state.rotation?.stage ?? 'idle';
    const step = opts.step === 'next' ? NEXT_OF[from] : opts.step;
    const def = STEPS[step];
    if (!def) throw new TypeError(`rotateRoot: unknown step ${String(step)}`);
    if (!def.from.includes(from)) {
      throw new InputError('ERR_CA_ROTATION_STAGE', `cannot ${step} in rotation stage ${from}: ${def.refusal[from] ?? 'wrong stage'}`, {
        details: { stage: from, step, allowedFrom: def.from },
      });
    }
    if (opts.importRoot && step !== 'start') {
      throw new InputError('ERR_CA_ROTATION_STAGE', `an imported root is only used to start a rotation, not to ${step}`);
    }
    const ctx: StepContext = { store, state, opts, now, discard: [] };
    const next = await def.run(ctx);
    await writeCaState(store, next);
    for (const key of ctx.discard) await store.delete(key);
    return { step, from, to: def.to, state: next, pending: await pendingCertificates(store, next, now), next: def.next };
  });
}

async function pendingCertificates(store: StateStore, state: CaState, now: Date): Promise<LiveCertificate[]> {
  const [records, revocations] = await Promise.all([readIssued(store), openRevocations(store)]);
  return onOldIssuer(liveCertificates(records, revocations, now).live, signerSkiHex(state), now);
}

async function assertConverged(ctx: StepContext, step: RotateStep): Promise<void> {
  if (ctx.opts.force) return;
  const pending = await pendingCertificates(ctx.store, ctx.state, ctx.now);
  if (pending.length === 0) return;
  const names = pending.slice(0, 5).map((p) => p.nodeId ?? p.subject ?? p.serial);
  throw new VerificationError(
    'ERR_CA_ROTATION_PENDING',
    `${pending.length} live certificate(s) still come from the old root (${names.join(', ')}${pending.length > 5 ? ', …' : ''}); renew them (swarmguard ca renew), revoke them, or pass --force to ${step} anyway`,
    { details: { pending: pending.map((p) => ({ serial: p.serial, ...(p.nodeId !== undefined ? { nodeId: p.nodeId } : {}) })) } },
  );
}

async function startRotation(ctx: StepContext): Promise<CaState> {
  const { store, state, opts, now } = ctx;
  const oldPems = certsOf(state.trustRootPem);
  const signerDer = certsOf(state.signer.certPem)[0]!;
  if (state.mode === 'intermediate' || oldPems.length !== 1 || !oldPems[0]!.equals(signerDer)) {
    throw new InputError('ERR_CA_ROTATE_UNSUPPORTED', 'this CA signs with an intermediate under another root; rotate that root with its owner, or re-create the CA with swarmguard ca init');
  }
  if (!state.signer.keyRef) {
    throw new InputError('ERR_CA_NO_KEY', 'this CA holds no key for its root, so it cannot cross-sign a new root; import the key with swarmguard ca init --import-key');
  }
  if (!opts.passphrase) throw new InputError('ERR_KEY_PASSPHRASE', 'starting a rotation needs the CA passphrase (it decrypts the old key and encrypts the new one)');
  const oldDer = oldPems[0]!;
  const oldKey = await loadCaKey(store, state.signer.keyRef, opts.passphrase);
  const fresh = opts.importRoot ? checkNewRoot(opts.importRoot, now) : await generateSwarmRoot(now);
  if (certFields(fresh.certDer).spki.equals(certFields(oldDer).spki)) {
    // current swarmkit (spec 2.3): Go >= 1.19 chain building breaks on two roots with one key
    throw new InputError('ERR_CA_ROTATE_SAME_KEY', 'the new root has the same key as the current root; rotate to a root with a new key');
  }
  const crossDer = crossSignRoot(fresh.certDer, oldDer, oldKey);
  if (!new X509Certificate(crossDer).verify(new X509Certificate(oldDer).publicKey)) {
    throw new InputError('ERR_CA_CROSS_SIGN', 'the cross-signed certificate does not verify under the old root; the old key or certificate is damaged');
  }
  const newKeyRef = keyStoreKey(subjectKeyId(certFields(fresh.certDer).spki).toString('hex'));
  await store.write(newKeyRef, encryptPrivateKey(fresh.key, opts.passphrase));
  const newPem = toPem('CERTIFICATE', fresh.certDer);
  const crossPem = toPem('CERTIFICATE', crossDer);
  return {
    ...state,
    signer: { certPem: newPem, keyRef: newKeyRef, chainPems: [crossPem] },
    rotation: {
      stage: 'cross-signed',
      startedAt: now.toISOString(),
      newRoot: { certPem: newPem, keyRef: newKeyRef },
      crossSignedPem: crossPem,
      oldRoot: { certPem: toPem('CERTIFICATE', oldDer), keyRef: state.signer.keyRef },
      source: opts.importRoot ? 'imported' : 'generated',
    },
  };
}

/** Spec 2.3 for a root to rotate to: the shared CA checks, self-signed, with its key. */
function checkNewRoot(m: NewRootMaterial, now: Date): { certDer: Buffer; key: KeyObject } {
  const { certDer, key } = checkCaMaterial(m, now, 'new root', true, true);
  return { certDer, key: key! };
}

/** swarmguard: the public library API. Importing it has no side effects. */
export * from './errors.js';
export { defaults } from './defaults.js';
export type { Clock } from './core/clock.js';
export { systemClock, fixedClock } from './core/clock.js';
export type { StateStore } from './store/state-store.js';
export { FileStore, resolveStateDir, writeFileAtomic } from './store/file-store.js';
export { parsePem, toPem } from './core/pem.js';

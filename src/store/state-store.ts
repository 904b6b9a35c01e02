/**
 * The state store: where the CA, token records and caches live. Keys are
 * slash-separated paths such as `ca/state.json`. Implementations must make
 * every write atomic and keep files private.
 */
export interface StateStore {
  /** A description for messages (a directory, an endpoint). Never a secret. */
  readonly location: string;
  /** The value, or undefined when absent. */
  read(key: string): Promise<Buffer | undefined>;
  /** Replace the value atomically: readers see the old or the new value, never a mix. */
  write(key: string, data: Uint8Array | string): Promise<void>;
  /**
   * Append one record durably to a log key (created on first use). Resolves
   * once the record is on stable storage; concurrent appends may share one
   * fsync (group commit).
   */
  append(key: string, data: Uint8Array | string): Promise<void>;
  /** Remove the key; absent keys are fine. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix (`ca/issued/`), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Run `fn` holding the store's exclusive lock (across processes). */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws TypeError on keys that could escape the store (caller misuse). */
export function assertValidKey(key: string): string[] {
  const parts = key.split('/');
  if (parts.length === 0 || parts.length > 8 || parts.some((p) => !KEY_SEGMENT.test(p) || p === '.' || p === '..')) {
    throw new TypeError(`invalid state key ${JSON.stringify(key)}`);
  }
  return parts;
}

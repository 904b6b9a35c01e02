/** An injected source of time; operations read `now()` once. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock fixed at one instant (tests, `--at`). */
export function fixedClock(at: Date | string | number): Clock {
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) throw new TypeError(`fixedClock: invalid time ${String(at)}`);
  return { now: () => new Date(t) };
}

import { InputError } from '../errors.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Parse a Go-style duration (`2160h`, `1h30m`, `90s`) into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const re = /([0-9]+)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (text.length === 0 || matched !== text.length || !Number.isSafeInteger(total)) {
    throw new InputError('ERR_DURATION_INVALID', `${what} ${JSON.stringify(text)} is not a duration; write it like 2160h, 90m or 1h30m`);
  }
  return total;
}

/** Format milliseconds as a Go-style duration (`2160h0m0s`). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Parses a duration such as `900`, `"15m"`, `"1h30m"` or `"12h"` into whole
 * seconds. A bare number is seconds. Returns undefined for anything else, so
 * callers can report the error with their own path.
 */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  const match = DURATION_PATTERN.exec(text);
  if (!match || text === '') {
    return undefined;
  }
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * DAY + Number(h ?? 0) * HOUR + Number(m ?? 0) * MINUTE + Number(s ?? 0);
}

/** Formats seconds the way people write durations in the config: `1h30m`, `15m`, `45s`. */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds === 0) {
    return '0s';
  }
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}

import { setTimeout as sleep } from 'node:timers/promises';

/** Enough recent binds for a stable median, few enough to follow a directory that slows down. */
const SAMPLES = 32;

/**
 * Makes a login refused before the user's bind (unknown user, disabled,
 * expired or locked account) take as long as one refused by the bind: the
 * connector records how long real user binds take, and a refusal waits out
 * the median of the recent ones. Without this, the response time would tell
 * whether an account exists or is active.
 */
export class RefusalTiming {
  private readonly samples: number[] = [];
  private next = 0;

  /** A refused user bind (from the user search on, taking a user-bind connection included) took this many milliseconds. */
  record(milliseconds: number): void {
    if (this.samples.length < SAMPLES) {
      this.samples.push(milliseconds);
    } else {
      this.samples[this.next] = milliseconds;
      this.next = (this.next + 1) % SAMPLES;
    }
  }

  /** The median of the recent user binds, or undefined before the first. */
  median(): number | undefined {
    if (this.samples.length === 0) {
      return undefined;
    }
    const sorted = [...this.samples].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  }

  /** Resolves once the median user bind's time has passed since `startedAt` (a performance.now() value). */
  async padFrom(startedAt: number): Promise<void> {
    const remaining = (this.median() ?? 0) - (performance.now() - startedAt);
    if (remaining > 0) {
      await sleep(remaining);
    }
  }
}

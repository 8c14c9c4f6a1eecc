import { createRetryStrategy, fullJitterDelay, retryAfterSeconds } from './retry-strategy';

type Strategy = ReturnType<typeof createRetryStrategy>;
type RetryErrorInfo = Parameters<Strategy['refreshRetryTokenForRetry']>[1];
type RetryErrorType = RetryErrorInfo['errorType'];
type Token = Awaited<ReturnType<Strategy['acquireInitialRetryToken']>> & {
  $retryLog: { acquisitionDelay: number };
};

const settings = { maxAttempts: 3, retryBaseDelayMs: 100, retryMaxDelayMs: 1000 };

function failure(errorType: RetryErrorType): RetryErrorInfo {
  return { errorType, error: { name: errorType, message: errorType, $metadata: {} } };
}

describe('fullJitterDelay', () => {
  it('waits a random time up to base × 2^(retry − 1), capped at the maximum', () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((retry) => fullJitterDelay(retry, settings, almostOne))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(fullJitterDelay(3, settings, () => 0)).toBe(0);
    expect(fullJitterDelay(3, settings, () => 0.5)).toBe(200);
  });

  it('stays within the window whatever Math.random gives', () => {
    for (let index = 0; index < 200; index++) {
      const delay = fullJitterDelay(4, settings);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(800);
    }
  });
});

describe('createRetryStrategy (the SDK strategy with our budget and backoff)', () => {
  async function retriesAllowed(errorType: RetryErrorType, maxAttempts: number): Promise<number[]> {
    const strategy = createRetryStrategy({ ...settings, maxAttempts }, () => 0.5);
    let token = (await strategy.acquireInitialRetryToken('')) as Token;
    const delays: number[] = [];
    for (;;) {
      try {
        token = (await strategy.refreshRetryTokenForRetry(token, failure(errorType))) as Token;
      } catch {
        return delays;
      }
      delays.push(token.$retryLog.acquisitionDelay);
    }
  }

  it('retries throttling and transient failures until maxAttempts, with full-jitter delays', async () => {
    expect(await retriesAllowed('THROTTLING', 3)).toEqual([50, 100]);
    expect(await retriesAllowed('TRANSIENT', 4)).toEqual([50, 100, 200]);
    expect(await retriesAllowed('THROTTLING', 1)).toEqual([]);
  });

  it('never retries client errors or non-transient server errors', async () => {
    expect(await retriesAllowed('CLIENT_ERROR', 5)).toEqual([]);
    expect(await retriesAllowed('SERVER_ERROR', 5)).toEqual([]);
  });

  it('keeps retrying for far more calls than any test makes before the SDK retry quota runs dry', async () => {
    const strategy = createRetryStrategy({ ...settings, maxAttempts: 3 }, () => 0);
    let retries = 0;
    for (let call = 0; call < 40; call++) {
      let token = (await strategy.acquireInitialRetryToken('')) as Token;
      for (;;) {
        try {
          token = (await strategy.refreshRetryTokenForRetry(token, failure('THROTTLING'))) as Token;
          retries += 1;
        } catch {
          break;
        }
      }
    }
    // 40 calls that are throttled on every attempt: every one was retried twice.
    expect(retries).toBe(80);
  });

  it('stops retrying once the SDK retry quota is spent, and a success refills it', async () => {
    // 500 tokens, 14 per transient retry: a client whose backend only fails retries 35 times in all.
    const strategy = createRetryStrategy({ ...settings, maxAttempts: 10 }, () => 0);
    let retries = 0;
    let token: Token;
    for (let call = 0; call < 10; call++) {
      token = (await strategy.acquireInitialRetryToken('')) as Token;
      for (;;) {
        try {
          token = (await strategy.refreshRetryTokenForRetry(token, failure('TRANSIENT'))) as Token;
          retries += 1;
        } catch {
          break;
        }
      }
    }
    expect(retries).toBe(35);
    const spent = strategy.getCapacity();
    expect(spent).toBeLessThan(14);
    // Each first-attempt success gives one token back; then the next failure is retried again.
    for (let success = 0; success < 14 - spent; success++) {
      strategy.recordSuccess(await strategy.acquireInitialRetryToken(''));
    }
    token = (await strategy.acquireInitialRetryToken('')) as Token;
    await expect(strategy.refreshRetryTokenForRetry(token, failure('TRANSIENT'))).resolves.toBeDefined();
  });
});

describe('retryAfterSeconds', () => {
  it("uses the backend's longest backoff, in whole seconds, at least 1", () => {
    expect(retryAfterSeconds({ retryMaxDelayMs: 5000 })).toBe(5);
    expect(retryAfterSeconds({ retryMaxDelayMs: 1500 })).toBe(2);
    expect(retryAfterSeconds({ retryMaxDelayMs: 50 })).toBe(1);
  });

  it("prefers the server's numeric Retry-After or x-amz-retry-after", () => {
    expect(retryAfterSeconds({ retryMaxDelayMs: 5000 }, { headers: { 'Retry-After': '30' } })).toBe(30);
    expect(retryAfterSeconds({ retryMaxDelayMs: 5000 }, { headers: { 'x-amz-retry-after': '2500' } })).toBe(
      3,
    );
    expect(retryAfterSeconds({ retryMaxDelayMs: 5000 }, { headers: { 'retry-after': 'soon' } })).toBe(5);
    expect(retryAfterSeconds({ retryMaxDelayMs: 5000 }, 'not a response')).toBe(5);
  });
});

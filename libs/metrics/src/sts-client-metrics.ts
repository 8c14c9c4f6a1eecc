import type { STSClient } from '@aws-sdk/client-sts';
import type { BrokerMetrics } from './broker-metrics';

/** The error names STS (and emulators) use when they throttle a caller. */
const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** How many attempts a call made, counted per attempt inside the SDK's retry loop. */
interface AttemptCounter {
  fedgateAttempts?: number;
}

/**
 * Measures every call of an STS client: its operation, outcome and
 * duration (retries included), and the attempts beyond the first. Two
 * middlewares: one around the whole call (initialize step) and one that the
 * SDK's retry loop runs for each attempt (deserialize step). Returns the
 * client it was given.
 */
export function measureStsClient(client: STSClient, backendId: string, metrics: BrokerMetrics): STSClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName ?? 'unknown';
      const labels = { backend: backendId, operation };
      const stopTimer = metrics.stsDuration.startTimer(labels);
      const attempts = context as AttemptCounter;
      try {
        const output = await next(args);
        metrics.stsCalls.inc({ ...labels, outcome: 'ok' });
        return output;
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        metrics.stsCalls.inc({ ...labels, outcome: THROTTLING_ERRORS.has(name) ? 'throttled' : 'error' });
        throw error;
      } finally {
        stopTimer();
        const retries = (attempts.fedgateAttempts ?? 1) - 1;
        if (retries > 0) {
          metrics.stsRetries.inc(labels, retries);
        }
      }
    },
    { step: 'initialize', name: 'fedgateStsCallMetrics', priority: 'high' },
  );
  client.middlewareStack.add(
    (next, context) => (args) => {
      const attempts = context as AttemptCounter;
      attempts.fedgateAttempts = (attempts.fedgateAttempts ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'fedgateStsAttemptMetrics', priority: 'low' },
  );
  return client;
}

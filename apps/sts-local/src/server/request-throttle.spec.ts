import { StsError } from '../sts/sts-error';
import { RequestThrottle } from './request-throttle';

function outcome(throttle: RequestThrottle, caller: string, now: number): string {
  try {
    throttle.take(caller, now);
    return 'ok';
  } catch (error) {
    return error instanceof StsError ? error.code : 'other';
  }
}

describe('RequestThrottle', () => {
  it('allows a burst, then throttles until the rate refills the bucket', () => {
    const throttle = new RequestThrottle({ requestsPerSecond: 2, burst: 3 });
    expect([0, 0, 0, 0].map((now) => outcome(throttle, 'AKIA1', now))).toEqual([
      'ok',
      'ok',
      'ok',
      'Throttling',
    ]);
    expect(outcome(throttle, 'AKIA1', 400)).toBe('Throttling');
    expect(outcome(throttle, 'AKIA1', 600)).toBe('ok');
  });

  it('keeps callers apart', () => {
    const throttle = new RequestThrottle({ requestsPerSecond: 1, burst: 1 });
    expect(outcome(throttle, 'AKIA1', 0)).toBe('ok');
    expect(outcome(throttle, 'AKIA1', 0)).toBe('Throttling');
    expect(outcome(throttle, 'AKIA2', 0)).toBe('ok');
  });
});

import { lockoutMarginProblems } from './lockout-margin';

describe('lockoutMarginProblems', () => {
  const limits = { maxFailuresPerUser: 5, maxFailuresPerDevice: 3, windowSeconds: 1800 };

  it('is quiet when strangers and devices together stay below the threshold for as long as it counts', () => {
    expect(lockoutMarginProblems(limits, { threshold: 10, observationWindowSeconds: 1800 })).toEqual([]);
    expect(lockoutMarginProblems(limits, { threshold: 0, observationWindowSeconds: 0 })).toEqual([]);
  });

  it('names the sum that reaches the threshold', () => {
    expect(lockoutMarginProblems(limits, { threshold: 8, observationWindowSeconds: 600 })).toEqual([
      'loginThrottle lets 8 failures (maxFailuresPerUser 5 + maxFailuresPerDevice 3) reach a directory that locks accounts after 8: lower them so their sum is below 8',
    ]);
  });

  it('names a window shorter than the directory remembers failures', () => {
    expect(lockoutMarginProblems(limits, { threshold: 10, observationWindowSeconds: 3600 })).toEqual([
      "loginThrottle.window (1800s) is shorter than the directory's lockout observation window (3600s): set it to at least that",
    ]);
    expect(lockoutMarginProblems(limits, { threshold: 10, observationWindowSeconds: 0 })).toHaveLength(1);
  });
});

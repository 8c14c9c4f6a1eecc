import fc from 'fast-check';
import { planDuration, type DurationInputs } from './duration-plan';

const role: DurationInputs = { mode: 'assume-role', permissionSetSeconds: 4 * 3600, roleChaining: false };

describe('planDuration', () => {
  it.each<[string, Partial<DurationInputs>, number, string]>([
    ['the permission set without a request', {}, 14400, 'permission-set'],
    ['a shorter request', { requestedSeconds: 1800 }, 1800, 'requested'],
    ['a longer request, clamped', { requestedSeconds: 30000 }, 14400, 'permission-set'],
    ['a request under 15 minutes, raised', { requestedSeconds: 60 }, 900, 'aws-minimum'],
    [
      "the role's maximum when it is lower",
      { permissionSetSeconds: 7200, roleMaximumSeconds: 3600 },
      3600,
      'role-maximum',
    ],
    [
      'the permission set on a tie with the role maximum',
      { roleMaximumSeconds: 14400 },
      14400,
      'permission-set',
    ],
    ['1h under role chaining', { roleChaining: true }, 3600, 'role-chaining'],
    [
      'a short request under role chaining',
      { roleChaining: true, requestedSeconds: 1200 },
      1200,
      'requested',
    ],
    ["AWS's 12h for AssumeRole", { permissionSetSeconds: 50000 }, 43200, 'aws-maximum'],
    [
      '36h for GetFederationToken, where role limits do not apply',
      {
        mode: 'federation-token',
        permissionSetSeconds: 129600,
        roleChaining: true,
        roleMaximumSeconds: 3600,
      },
      129600,
      'permission-set',
    ],
    [
      "AWS's 36h for GetFederationToken",
      { mode: 'federation-token', permissionSetSeconds: 200000 },
      129600,
      'aws-maximum',
    ],
  ])('plans %s', (_name, overrides, seconds, limitedBy) => {
    expect(planDuration({ ...role, ...overrides })).toMatchObject({ seconds, limitedBy });
  });

  it('keeps what was requested, and says nothing of a request when there was none', () => {
    expect(planDuration({ ...role, requestedSeconds: 30000 })).toEqual({
      seconds: 14400,
      limitedBy: 'permission-set',
      explanation: "4h: the permission set's sessionDuration",
      requestedSeconds: 30000,
    });
    expect(planDuration(role)).not.toHaveProperty('requestedSeconds');
  });

  it('explains itself', () => {
    expect(planDuration({ ...role, roleChaining: true }).explanation).toBe(
      '1h: role chaining: sessions started with role credentials last at most 1h',
    );
  });

  it('always stays within AWS range and every ceiling (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DurationInputs['mode']>('assume-role', 'federation-token'),
        fc.integer({ min: 900, max: 200_000 }),
        fc.option(fc.integer({ min: 3600, max: 43200 }), { nil: undefined }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: undefined }),
        (mode, permissionSetSeconds, roleMaximumSeconds, roleChaining, requestedSeconds) => {
          const plan = planDuration({
            mode,
            permissionSetSeconds,
            roleChaining,
            ...(roleMaximumSeconds === undefined ? {} : { roleMaximumSeconds }),
            ...(requestedSeconds === undefined ? {} : { requestedSeconds }),
          });
          const max = mode === 'assume-role' ? 43200 : 129600;
          expect(plan.seconds).toBeGreaterThanOrEqual(900);
          expect(plan.seconds).toBeLessThanOrEqual(Math.min(max, permissionSetSeconds));
          if (mode === 'assume-role' && roleChaining) {
            expect(plan.seconds).toBeLessThanOrEqual(3600);
          }
          if (mode === 'assume-role' && roleMaximumSeconds !== undefined) {
            expect(plan.seconds).toBeLessThanOrEqual(roleMaximumSeconds);
          }
        },
      ),
    );
  });
});

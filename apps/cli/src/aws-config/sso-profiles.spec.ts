import { ProfileConflictError } from './fedgate-profiles';
import { planSsoProfiles } from './sso-profiles';

const input = {
  brokerUrl: 'https://fedgate.example.com',
  sessionName: 'fedgate',
  prefix: 'fg-',
  profiles: [{ name: 'fg-demo-Developer', accountId: '123456789012', permissionSet: 'Developer' }],
};

describe('planSsoProfiles', () => {
  it('refuses, changing nothing, when the user already has a section of that name', () => {
    const text = '[sso-session fedgate]\nsso_start_url = https://corp.awsapps.com/start\n';
    expect(() => planSsoProfiles(text, input)).toThrow(ProfileConflictError);
    expect(() => planSsoProfiles(text, input)).toThrow(/sso-session fedgate/);
  });

  it('removes its own profiles that are no longer entitled and keeps everything else', () => {
    const first = planSsoProfiles('; mine\r\n[profile fg-other]\r\nregion = eu-west-1\r\n', {
      ...input,
      profiles: [
        ...input.profiles,
        { name: 'fg-demo-Admin', accountId: '123456789012', permissionSet: 'Admin' },
      ],
    });
    expect(first.text).toContain('[profile fg-demo-Admin]\r\n');
    const second = planSsoProfiles(first.text, input);
    expect(second.changes).toEqual([
      { action: 'unchanged', name: 'sso-session fedgate' },
      { action: 'unchanged', name: 'services fedgate' },
      { action: 'unchanged', name: 'profile fg-demo-Developer' },
      { action: 'remove', name: 'profile fg-demo-Admin' },
    ]);
    expect(second.text).not.toContain('fg-demo-Admin');
    // The user's profile starts with the prefix too, but fedgate did not write it.
    expect(second.text.startsWith('; mine\r\n[profile fg-other]\r\nregion = eu-west-1\r\n')).toBe(true);
    expect(planSsoProfiles(second.text, input).text).toBe(second.text);
  });
});

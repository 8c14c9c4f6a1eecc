import { formatAwsTimestamp, toCredentialProcess } from './issued-credentials';

describe('toCredentialProcess', () => {
  it('produces exactly the credential_process fields, Version the number 1, Expiration without milliseconds', () => {
    const output = toCredentialProcess({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date('2026-01-01T12:34:56.789Z'),
      accountId: '111111111111',
      kind: 'role',
      assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Dev/alice',
    });
    expect(JSON.stringify(output)).toBe(
      '{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","SessionToken":"token",' +
        '"Expiration":"2026-01-01T12:34:56Z","AccountId":"111111111111"}',
    );
  });

  it('formats AWS timestamps', () => {
    expect(formatAwsTimestamp(new Date('2026-11-22T07:00:00.000Z'))).toBe('2026-11-22T07:00:00Z');
  });
});

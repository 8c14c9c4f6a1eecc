import { FedgateError } from '@fedgate/core';
import { allowedConsoleDestination, MAX_CONSOLE_DESTINATION_LENGTH } from './console-destination';

function refusal(run: () => unknown): FedgateError {
  try {
    run();
  } catch (error) {
    if (error instanceof FedgateError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('allowedConsoleDestination', () => {
  it("falls back from the request to the permission set to the partition's console home", () => {
    expect(allowedConsoleDestination('aws')).toBe('https://console.aws.amazon.com/');
    expect(allowedConsoleDestination('aws-cn')).toBe('https://console.amazonaws.cn/');
    expect(allowedConsoleDestination('aws-us-gov')).toBe('https://console.amazonaws-us-gov.com/');
    expect(allowedConsoleDestination('aws', undefined, 'https://console.aws.amazon.com/s3')).toBe(
      'https://console.aws.amazon.com/s3',
    );
    expect(
      allowedConsoleDestination(
        'aws',
        'https://console.aws.amazon.com/ec2',
        'https://console.aws.amazon.com/s3',
      ),
    ).toBe('https://console.aws.amazon.com/ec2');
  });

  it('accepts the console host and regional hosts of the partition, with paths, queries and fragments', () => {
    for (const [partition, destination] of [
      ['aws', 'https://console.aws.amazon.com/'],
      ['aws', 'https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1'],
      ['aws', 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups'],
      ['aws-cn', 'https://console.amazonaws.cn/'],
      ['aws-cn', 'https://cn-north-1.console.amazonaws.cn/ec2/home'],
      ['aws-us-gov', 'https://us-gov-west-1.console.amazonaws-us-gov.com/iam/home'],
    ] as const) {
      expect(allowedConsoleDestination(partition, destination)).toBe(destination);
    }
  });

  it('returns the normalized URL', () => {
    expect(allowedConsoleDestination('aws', 'https://CONSOLE.aws.amazon.com')).toBe(
      'https://console.aws.amazon.com/',
    );
    expect(allowedConsoleDestination('aws', 'https://console.aws.amazon.com/a b'.replace(' ', '%20'))).toBe(
      'https://console.aws.amazon.com/a%20b',
    );
  });

  it('refuses anything off the partition console, whoever asked for it', () => {
    const refused: [string, string, string][] = [
      ['aws', 'https://console.amazonaws.cn/', 'not a console host'],
      ['aws', 'https://console.amazonaws-us-gov.com/', 'not a console host'],
      ['aws-cn', 'https://console.aws.amazon.com/', 'not a console host'],
      ['aws-us-gov', 'https://us-east-1.console.aws.amazon.com/', 'not a console host'],
      ['aws', 'http://console.aws.amazon.com/', 'not https'],
      ['aws', 'javascript:alert(1)', 'not https'],
      ['aws', '//console.aws.amazon.com/', 'not https'],
      ['aws', '/s3/home', 'not https'],
      ['aws', '', 'not https'],
      ['aws', 'https://console.aws.amazon.com.evil.example/', 'not a console host'],
      ['aws', 'https://evilconsole.aws.amazon.com/', 'not a console host'],
      ['aws', 'https://a.b.console.aws.amazon.com/', 'not a console host'],
      ['aws', 'https://console.aws.amazon.com./', 'not a console host'],
      ['aws', 'https://signin.aws.amazon.com/federation', 'not a console host'],
      ['aws', 'https://evil.example/?https://console.aws.amazon.com/', 'not a console host'],
      ['aws', 'https://console%2Eaws.amazon.com/', 'not a console host'],
      ['aws', 'https://console.aws.amazon.com@evil.example/', 'user info'],
      ['aws', 'https://user@console.aws.amazon.com/', 'user info'],
      ['aws', 'https://user:pw@console.aws.amazon.com/', 'user info'],
      ['aws', 'https://@console.aws.amazon.com/', 'user info'],
      ['aws', 'https://console.aws.amazon.com:8443/', 'port'],
      ['aws', 'https://console.aws.amazon.com:443/', 'port'],
      ['aws', 'https://console.aws.amazon.com:/', 'port'],
      [
        'aws',
        'https://console.aws.amazon.com\\@evil.example/',
        'whitespace, control or format characters, or backslashes',
      ],
      ['aws', ' https://console.aws.amazon.com/', 'whitespace, control or format characters, or backslashes'],
      [
        'aws',
        'https://console.aws.amazon.com/\n',
        'whitespace, control or format characters, or backslashes',
      ],
      [
        'aws',
        'https://console.aws.amazon.com/\u202e',
        'whitespace, control or format characters, or backslashes',
      ],
      ['aws', 'https://127.0.0.1/', 'not a console host'],
      ['aws', 'https://', 'not a URL'],
      ['aws', `https://console.aws.amazon.com/${'a'.repeat(MAX_CONSOLE_DESTINATION_LENGTH)}`, 'too long'],
    ];
    for (const [partition, destination, problem] of refused) {
      for (const error of [
        refusal(() => allowedConsoleDestination(partition as 'aws', destination)),
        refusal(() => allowedConsoleDestination(partition as 'aws', undefined, destination)),
      ]) {
        expect({ destination, code: error.code, problem: error.detail.problem, phase: error.phase }).toEqual({
          destination,
          code: 'invalid_request',
          problem,
          phase: 'console.destination',
        });
        expect(error.message).toContain(`https:// URL on the ${partition} console`);
      }
    }
  });

  it('says where the refused destination came from', () => {
    expect(refusal(() => allowedConsoleDestination('aws', 'http://x/')).detail).toEqual({
      partition: 'aws',
      source: 'request',
      problem: 'not https',
    });
    expect(refusal(() => allowedConsoleDestination('aws', undefined, 'http://x/')).detail.source).toBe(
      'permission set',
    );
  });

  it('never falls back when the requested destination is refused', () => {
    expect(() =>
      allowedConsoleDestination('aws', 'https://evil.example/', 'https://console.aws.amazon.com/'),
    ).toThrow(FedgateError);
  });
});

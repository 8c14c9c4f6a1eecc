import { isPrivateAddress, trustProxyConfigSchema, trustProxyWarnings } from './trusted-proxies';

describe('trustProxyConfigSchema', () => {
  it.each([
    [false, false],
    [true, true],
    [2, 2],
    [
      ['10.0.0.0/8', ' 192.0.2.7 ', 'fd00::/8', 'loopback'],
      ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', 'loopback'],
    ],
  ])('accepts %p', (input, output) => {
    expect(trustProxyConfigSchema.parse(input)).toEqual(output);
  });

  it('names every entry that is not an address, a range or a known name', () => {
    const result = trustProxyConfigSchema.safeParse([
      '10.0.0.0/33',
      'proxy.example',
      '10.0.0.1',
      '::1/129',
      'a/b/c',
    ]);
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      '0: "10.0.0.0/33" has a prefix length out of range (0–32)',
      '1: "proxy.example" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal',
      '3: "::1/129" has a prefix length out of range (0–128)',
      '4: "a/b/c" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal',
    ]);
  });

  it.each([['yes'], [0], [11], [[]], [{ hops: 1 }]])('refuses %p', (input) => {
    expect(trustProxyConfigSchema.safeParse(input).success).toBe(false);
  });

  it('warns about trusting everyone only', () => {
    expect(trustProxyWarnings(true)).toHaveLength(1);
    expect(trustProxyWarnings(false)).toEqual([]);
    expect(trustProxyWarnings(['10.0.0.0/8'])).toEqual([]);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:10.0.0.5', true],
    ['fd12::1', true],
    ['100.64.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2001:db8::1', false],
    ['::ffff:8.8.8.8', false],
    ['not an address', false],
  ])('%p is private: %p', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

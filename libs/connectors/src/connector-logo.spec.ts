import { staticConnectorConfigSchema } from './static/static-connector.config';
import { connectorLogoSchema } from './connector-logo';

describe('connectorLogoSchema', () => {
  it('takes an https:// image URL', () => {
    expect(connectorLogoSchema.parse('https://cdn.corp.example/sso.svg')).toBe(
      'https://cdn.corp.example/sso.svg',
    );
  });

  it.each([
    'http://cdn.corp.example/sso.svg',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'sso.svg',
  ])('refuses %j', (logo) => {
    const result = connectorLogoSchema.safeParse(logo);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be an https:// image URL');
  });

  it("is a connector's optional `logo` key", () => {
    const user = {
      username: 'alice',
      passwordHash:
        '$scrypt$ln=14,r=8,p=1$tORXqcV8ocbIukH2XqoqyA==$X19p6uQkB+cQh60tQhNA+3mSvO/ldVbvgCnl420S7pE=',
    };
    const parsed = staticConnectorConfigSchema.parse({
      id: 'demo',
      type: 'static',
      logo: 'https://cdn.corp.example/demo.png',
      users: [user],
    });
    expect(parsed.logo).toBe('https://cdn.corp.example/demo.png');
    expect(
      staticConnectorConfigSchema.safeParse({ id: 'demo', type: 'static', logo: 'http://x', users: [user] })
        .success,
    ).toBe(false);
  });
});

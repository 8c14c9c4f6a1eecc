import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ldapConnectorConfigSchema } from './ldap-connector.config';

// docs/connectors/ldap.md opens with an example people copy: keep it valid.
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'connectors', 'ldap.md');

describe('the example in docs/connectors/ldap.md', () => {
  it('is a valid ldap connector once its references are filled in', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1] ?? '';
    const filled = block
      .replace('${file:/etc/fedgate/corp-ca.pem}', '-----BEGIN CERTIFICATE-----')
      .replace('${env:LDAP_BIND_PASSWORD}', 'service-password');
    const document = parse(filled) as { connectors: unknown[] };
    const result = ldapConnectorConfigSchema.safeParse(document.connectors[0]);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data?.groups).toEqual(
      expect.objectContaining({ mode: 'ad-nested', baseDn: 'DC=corp,DC=example' }),
    );
  });
});

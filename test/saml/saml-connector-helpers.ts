import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { samlConnectorConfigSchema, SamlSpConnector, type SamlConnectorConfig } from '@fedgate/connectors';
import type { Store } from '@fedgate/store';
import type { FixtureCase } from './fixtures/fixture-cases';
import { FIXTURE, keyPair } from './fixtures/test-idp';

export const FIXTURES = join(__dirname, 'fixtures');

/** The committed fixtures and what each must produce. */
export function fixtureCases(): FixtureCase[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'responses', 'cases.json'), 'utf8')) as FixtureCase[];
}

/** A committed response, base64 as the SAMLResponse field carries it. */
export function fixtureResponse(name: string): string {
  return Buffer.from(
    readFileSync(join(FIXTURES, 'responses', `${name}.xml`), 'utf8').trimEnd(),
    'utf8',
  ).toString('base64');
}

/** The connector config the fixtures were made for, with overrides. */
export function fixtureConfig(
  overrides: Record<string, unknown> = {},
  security: Record<string, unknown> = {},
): SamlConnectorConfig {
  return samlConnectorConfigSchema.parse({
    id: 'corp',
    type: 'saml',
    idp: { metadataFile: join(FIXTURES, 'idp-metadata.xml') },
    sp: {
      entityId: FIXTURE.spEntityId,
      encryptionKey: keyPair('sp-encryption').privateKey,
      encryptionCertificate: keyPair('sp-encryption').certificate,
    },
    attributes: { email: 'email', displayName: 'displayName', groups: ['groups'] },
    security,
    ...overrides,
  });
}

/** A connector on the fixtures' clock. */
export function fixtureConnector(
  store: Pick<Store, 'setIfAbsent'>,
  config: SamlConnectorConfig = fixtureConfig(),
  at: string = FIXTURE.now,
): SamlSpConnector {
  return new SamlSpConnector(config, { store, now: () => new Date(at) });
}

import type { Identity } from '@fedgate/core';
import { parseConfig, type FedgateConfig } from '@fedgate/broker-config';

/**
 * Mapping tests state their config as YAML, the way administrators write it,
 * and get it through the real loader: defaults and validation included.
 */
const HEADER = `
connectors:
  - id: corp
    type: static
    users: [{ username: placeholder, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }]
  - id: github
    type: static
    users: [{ username: placeholder, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }]
`;

/** Parses YAML (after two static connectors, corp and github), or throws listing every issue. */
export function mappingConfig(yaml: string): FedgateConfig {
  const result = parseConfig(`${HEADER}\n${yaml}`, { env: {}, baseDir: __dirname });
  if (!result.ok) {
    throw new Error(
      `invalid test config:\n${result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n')}`,
    );
  }
  return result.config;
}

/** The issues of an invalid config, as `path: message` lines. */
export function configIssues(yaml: string): string[] {
  const result = parseConfig(`${HEADER}\n${yaml}`, { env: {}, baseDir: __dirname });
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

/** A fixed clock for auth-age rules: one hour after the identities' default authTime. */
export const NOW = new Date('2026-01-01T10:00:00Z');

/** An identity at connector corp; override what the test is about. */
export function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    connectorId: 'corp',
    subject: 'u-1',
    username: 'alice',
    groups: [],
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: '2026-01-01T09:00:00Z',
    ...overrides,
  };
}

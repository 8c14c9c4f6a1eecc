import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { FedgateError } from '@fedgate/core';
import type { PasswordConnector, PasswordLoginResult } from './connector';

/**
 * The behaviour every password connector must share, written once and run
 * against each of them with its real source (static in-process, LDAP on
 * slapd, LDAP on Samba AD). A new password connector adds one test file that
 * calls describePasswordConnectorContract; docs/architecture.md says so.
 */
export interface PasswordConnectorUnderTest {
  /** The connector, against its real, running source. */
  connector: PasswordConnector;
  /** One account that exists, in every spelling its users may type, and its password. */
  known: { spellings: readonly string[]; password: string };
  /** A name no account has. */
  unknownUser: string;
  /**
   * The same connector pointed at a source that does not answer (a closed
   * port), for connectors that have one; absent for connectors whose users
   * live in fedgate's own config.
   */
  unreachable?: PasswordConnector;
}

/** The documented shape of an Identity (docs/architecture.md). */
const identityShape = z.strictObject({
  connectorId: z.string().min(1),
  subject: z.string().min(1),
  username: z.string().min(1),
  email: z.string().min(3).optional(),
  emailVerified: z.boolean().optional(),
  displayName: z.string().optional(),
  groups: z.array(z.string().min(1)),
  attributes: z.record(z.string(), z.array(z.string())),
  mfa: z.strictObject({ satisfied: z.boolean(), methods: z.array(z.string()) }),
  authTime: z.iso.datetime(),
  acr: z.string().optional(),
});

const BLANK_PASSWORDS = ['', ' ', '   ', '\t', '\n'];
const UNHOLDABLE_USERNAMES = [
  'alice\u0000',
  'alice\u0000x',
  'al\u0007ice',
  'alice\u200b',
  '\u202ealice',
  'ali\u001fce',
];

function account(connector: PasswordConnector, typed: string): string {
  const canonical = connector.canonicalUsername(typed);
  if (canonical.kind !== 'account') {
    throw new Error(`expected "${typed}" to name an account, got: ${canonical.reason}`);
  }
  return canonical.account;
}

async function loginAs(
  connector: PasswordConnector,
  typed: string,
  password: string,
): Promise<PasswordLoginResult> {
  return connector.login(account(connector, typed), password, { clientAddress: '127.0.0.1' });
}

function refusalCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof FedgateError ? error.code : 'not a FedgateError';
  }
  return undefined;
}

/**
 * Registers the contract's tests for one password connector; `setup` is read
 * when the tests run. `externalSource` says whether its users live outside
 * fedgate (a directory that can be down), which adds the outage property.
 */
export function describePasswordConnectorContract(
  name: string,
  options: { externalSource: boolean },
  setup: () => PasswordConnectorUnderTest,
): void {
  describe(`password connector contract: ${name}`, () => {
    it('reduces every spelling of one account to one canonical account and one subject', async () => {
      const { connector, known } = setup();
      const accounts = new Set(known.spellings.map((typed) => account(connector, typed)));
      expect(accounts.size).toBe(1);
      const subjects = new Set<string>();
      for (const typed of known.spellings) {
        const result = await loginAs(connector, typed, known.password);
        if (result.kind !== 'authenticated') {
          throw new Error(`"${typed}" did not sign in: ${result.reason}`);
        }
        subjects.add(result.identity.subject);
      }
      expect(subjects.size).toBe(1);
    });

    it('returns an identity of the documented shape, keyed by this connector', async () => {
      const { connector, known } = setup();
      const result = await loginAs(connector, known.spellings[0] ?? '', known.password);
      if (result.kind !== 'authenticated') {
        throw new Error(`did not sign in: ${result.reason}`);
      }
      const identity = identityShape.parse(result.identity);
      expect(identity.connectorId).toBe(connector.id);
      expect(identity.groups).toEqual([...new Set(identity.groups)].sort());
      // An email fedgate matches rules on must be verified by its source.
      expect(identity.email === undefined || identity.emailVerified === true).toBe(true);
      expect(Math.abs(Date.parse(identity.authTime) - Date.now())).toBeLessThan(60_000);
    });

    it('answers a wrong password and an unknown user alike', async () => {
      const { connector, known, unknownUser } = setup();
      const wrong = await loginAs(connector, known.spellings[0] ?? '', `${known.password}-wrong`);
      const unknown = await loginAs(connector, unknownUser, known.password);
      expect(wrong.kind).toBe('invalid_credentials');
      expect(unknown.kind).toBe('invalid_credentials');
      expect(Object.keys(wrong).sort()).toEqual(Object.keys(unknown).sort());
    });

    it('refuses empty and whitespace passwords without asking its source', async () => {
      const { connector, known, unreachable } = setup();
      // Against a source that cannot answer, anything that asked it would throw instead.
      const silent = unreachable ?? connector;
      for (const password of BLANK_PASSWORDS) {
        const result = await silent.login(account(connector, known.spellings[0] ?? ''), password, {});
        expect(result.kind).toBe('invalid_credentials');
      }
    });

    it('refuses usernames with control or invisible characters before anything else', () => {
      const { connector } = setup();
      for (const typed of UNHOLDABLE_USERNAMES) {
        expect(refusalCode(() => connector.canonicalUsername(typed))).toBe('invalid_request');
      }
      expect(refusalCode(() => connector.canonicalUsername('a'.repeat(257)))).toBe('invalid_request');
    });

    if (!options.externalSource) {
      return;
    }

    it('reports an unreachable source as an error, never as a wrong password', async () => {
      const { known, unreachable } = setup();
      if (unreachable === undefined) {
        throw new Error('a connector with an external source must provide `unreachable`');
      }
      const outcome = await loginAs(unreachable, known.spellings[0] ?? '', known.password).then(
        (result) => result.kind,
        (error: unknown) => (error instanceof FedgateError ? error.code : 'not a FedgateError'),
      );
      expect(outcome).toBe('idp_unavailable');
    });
  });
}

/** The Identity shape above, for the other capabilities' contracts (saml/saml-connector.contract.ts). */
export const documentedIdentityShape = identityShape;

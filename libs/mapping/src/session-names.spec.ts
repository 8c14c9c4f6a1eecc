import fc from 'fast-check';
import { identity as baseIdentity } from '../../../test/mapping/config-fixture';
import type { Identity } from '@fedgate/core';
import { federatedUserNameFor, roleSessionNameFor, sourceIdentityFor } from './session-names';
import { parseValidatedTemplate } from './template';

const AWS_NAME = /^[\w+=,.@-]{2,64}$/;

function identity(
  username: string,
  subject = username,
  connectorId = 'demo',
  extra: Partial<Identity> = {},
): Identity {
  return baseIdentity({ username, subject, connectorId, ...extra });
}

const arbitraryIdentity = fc
  .record({
    username: fc.string({ unit: 'grapheme', maxLength: 200 }),
    subject: fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
    email: fc.string({ unit: 'binary', maxLength: 100 }),
    value: fc.string({ unit: 'binary', maxLength: 100 }),
  })
  .map(({ username, subject, email, value }) =>
    identity(username, subject, 'corp', { email, emailVerified: true, attributes: { x: [value] } }),
  );

const TEMPLATES = [undefined, '{{username}}', 'aws:{{email}}', '{{attributes.x}}.{{subject}}', 'x', ''].map(
  (text) => (text === undefined ? undefined : parseValidatedTemplate(text)),
);

describe('roleSessionNameFor', () => {
  it('keeps a plain username readable and adds a digest of the subject', () => {
    expect(roleSessionNameFor(identity('alice'))).toMatch(/^alice\.[0-9a-f]{8}$/);
  });

  it('differs for the same username at two connectors', () => {
    expect(roleSessionNameFor(identity('alice', 'alice', 'a'))).not.toBe(
      roleSessionNameFor(identity('alice', 'alice', 'b')),
    );
  });

  it('folds accents and replaces characters AWS refuses', () => {
    expect(roleSessionNameFor(identity('José Müller/ops'))).toMatch(/^Jose-Muller-ops\.[0-9a-f]{8}$/);
  });

  it('uses a template as written when AWS accepts it, and adds the digest when it had to change', () => {
    const template = parseValidatedTemplate('{{attributes.employeeId}}');
    expect(
      roleSessionNameFor(identity('a', 's', 'c', { attributes: { employeeId: ['E1234'] } }), template),
    ).toBe('E1234');
    expect(
      roleSessionNameFor(identity('a', 's', 'c', { attributes: { employeeId: ['E 1'] } }), template),
    ).toMatch(/^E-1\.[0-9a-f]{8}$/);
    expect(roleSessionNameFor(identity('a', 's'), template)).toMatch(/^\.[0-9a-f]{8}$/);
  });

  it('stays within AWS rules for any identity and template (property)', () => {
    fc.assert(
      fc.property(arbitraryIdentity, fc.constantFrom(...TEMPLATES), (who, template) => {
        expect(roleSessionNameFor(who, template)).toMatch(AWS_NAME);
      }),
    );
  });
});

describe('sourceIdentityFor', () => {
  it('is the username itself when AWS accepts it', () => {
    expect(sourceIdentityFor(identity('alice@example.com'))).toBe('alice@example.com');
  });

  it('adds a digest when the username had to change, so it stays unique', () => {
    const first = sourceIdentityFor(identity('a b', 's1'));
    const second = sourceIdentityFor(identity('a-b', 's2'));
    expect(first).toMatch(/^a-b\.[0-9a-f]{8}$/);
    expect(second).toBe('a-b');
  });

  it('pads a one-character username to the minimum length', () => {
    expect(sourceIdentityFor(identity('x'))).toMatch(/^x\.[0-9a-f]{8}$/);
  });

  it('truncates a long username within 64 characters', () => {
    const value = sourceIdentityFor(identity('u'.repeat(100)));
    expect(value).toHaveLength(64);
    expect(value).toMatch(AWS_NAME);
  });

  it('never lets a template produce an aws: prefix', () => {
    const value = sourceIdentityFor(
      identity('a', 's', 'c', { email: 'x@y', emailVerified: true }),
      parseValidatedTemplate('aws:{{email}}'),
    );
    expect(value).toMatch(/^aws-x@y\.[0-9a-f]{8}$/);
  });

  it('never starts with aws: and stays within AWS rules for any identity and template (property)', () => {
    fc.assert(
      fc.property(arbitraryIdentity, fc.constantFrom(...TEMPLATES), (who, template) => {
        const value = sourceIdentityFor(who, template);
        expect(value).toMatch(AWS_NAME);
        expect(value.toLowerCase().startsWith('aws:')).toBe(false);
      }),
    );
  });
});

describe('federatedUserNameFor', () => {
  it('fits GetFederationToken Name (2–32 characters) for any identity (property)', () => {
    expect(federatedUserNameFor(identity('alice'))).toMatch(/^alice\.[0-9a-f]{8}$/);
    fc.assert(
      fc.property(arbitraryIdentity, (who) => {
        expect(federatedUserNameFor(who)).toMatch(/^[\w+=,.@-]{2,32}$/);
      }),
    );
  });
});

import fc from 'fast-check';
import type { Identity } from '@fedgate/core';
import { roleSessionNameFor, sourceIdentityFor } from './session-names';

const AWS_NAME = /^[\w+=,.@-]{2,64}$/;

function identity(username: string, subject = username, connectorId = 'demo'): Identity {
  return {
    connectorId,
    subject,
    username,
    groups: [],
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: '2026-01-01T00:00:00.000Z',
  };
}

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

  it('stays within AWS rules for any username', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ minLength: 1 }),
        (name, subject) => {
          expect(roleSessionNameFor(identity(name, subject))).toMatch(AWS_NAME);
        },
      ),
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

  it('never starts with aws: and stays within AWS rules for any username', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ minLength: 1 }),
        (name, subject) => {
          const value = sourceIdentityFor(identity(name, subject));
          expect(value).toMatch(AWS_NAME);
          expect(value.toLowerCase().startsWith('aws:')).toBe(false);
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { identity } from '../../../test/mapping/config-fixture';
import { AWS_LIMITS, TAG_CHARACTERS } from '@fedgate/aws';
import { compileSessionTags, type TagSettings, type TagTemplate } from './session-tags';
import { parseValidatedTemplate } from './template';

const REPLACE: TagSettings = { separator: ':', onInvalid: 'replace', authTags: false };
const REJECT: TagSettings = { ...REPLACE, onInvalid: 'reject' };

function templates(tags: Record<string, string>): TagTemplate[] {
  return Object.entries(tags).map(([key, text]) => ({ key, parts: parseValidatedTemplate(text) }));
}

describe('compileSessionTags', () => {
  it('fills templates from identity fields, joining multi-valued fields with the separator', () => {
    const who = identity({
      email: 'a@corp.example',
      emailVerified: true,
      displayName: 'Alice A',
      groups: ['b', 'a'],
      attributes: { cc: ['CC-1', 'CC-2'] },
    });
    const result = compileSessionTags(
      templates({
        U: '{{username}}',
        E: '{{email}}',
        G: '{{groups}}',
        C: 'cc={{attributes.cc}}',
        N: '{{displayName}}',
        S: '{{connectorId}}/{{subject}}',
      }),
      [],
      who,
      { ...REPLACE, separator: ' / ' },
    );
    expect(result).toEqual({
      tags: [
        { key: 'U', value: 'alice' },
        { key: 'E', value: 'a@corp.example' },
        { key: 'G', value: 'a / b' },
        { key: 'C', value: 'cc=CC-1 / CC-2' },
        { key: 'N', value: 'Alice A' },
        { key: 'S', value: 'corp/u-1' },
      ],
      transitiveTagKeys: [],
      notes: [],
      violations: [],
    });
  });

  it('leaves out a tag whose field is missing (and an unverified email), with its transitive key, and says so', () => {
    const result = compileSessionTags(
      templates({ Team: '{{attributes.team}}', E: '{{email}}', U: '{{username}}' }),
      ['Team', 'U'],
      identity({ email: 'a@b.c' }),
      REPLACE,
    );
    expect(result.tags).toEqual([{ key: 'U', value: 'alice' }]);
    expect(result.transitiveTagKeys).toEqual(['U']);
    expect(result.notes).toEqual([
      'tag Team left out: the identity has no attributes.team',
      'tag E left out: the identity has no email',
      'transitive key Team left out: its tag is not sent',
    ]);
  });

  it('replaces refused characters and cuts long values in replace mode, noting each change', () => {
    const who = identity({ attributes: { d: ['R&D;ops<script>'], long: ['é'.repeat(300)] } });
    const result = compileSessionTags(
      templates({ D: '{{attributes.d}}', L: '{{attributes.long}}' }),
      [],
      who,
      REPLACE,
    );
    expect(result.tags[0]).toEqual({ key: 'D', value: 'R_D_ops_script_' });
    expect(result.tags[1]?.value).toBe('é'.repeat(256));
    expect(result.notes).toEqual([
      'tag D: characters AWS does not allow were replaced by _',
      'tag L: cut to 256 characters',
    ]);
    expect(result.violations).toEqual([]);
  });

  it('composes decomposed accents (NFC) instead of replacing them', () => {
    const result = compileSessionTags(
      templates({ N: '{{username}}' }),
      [],
      identity({ username: 'Zoe\u0301' }),
      REPLACE,
    );
    expect(result.tags).toEqual([{ key: 'N', value: 'Zoé' }]);
    expect(result.notes).toEqual([]);
  });

  it('refuses, instead of changing, in reject mode: a violation, never a silently dropped tag', () => {
    const who = identity({ attributes: { d: ['R&D'], long: ['x'.repeat(257)] } });
    const result = compileSessionTags(
      templates({ D: '{{attributes.d}}', L: '{{attributes.long}}', U: '{{username}}' }),
      [],
      who,
      REJECT,
    );
    expect(result.violations).toEqual([
      { limit: 'tag-value', message: 'tag D has characters AWS does not allow in a tag value' },
      { limit: 'tag-value', message: 'tag L is 257 characters; AWS allows 256' },
    ]);
  });

  it('adds fedgate:mfa and fedgate:auth-time when authTags is on', () => {
    const who = identity({
      mfa: { satisfied: true, methods: ['otp'] },
      authTime: '2026-01-01T09:00:00.123+02:00',
    });
    expect(compileSessionTags([], [], who, { ...REPLACE, authTags: true }).tags).toEqual([
      { key: 'fedgate:mfa', value: 'true' },
      { key: 'fedgate:auth-time', value: '2026-01-01T07:00:00Z' },
    ]);
    expect(
      compileSessionTags([], [], identity({ authTime: 'yesterday' }), { ...REPLACE, authTags: true })
        .violations,
    ).toHaveLength(1);
  });

  it('emits only values AWS accepts, for arbitrary Unicode identities (property)', () => {
    const all = templates({
      U: '{{username}}',
      G: '{{groups}}',
      A: 'x {{attributes.a}} y',
      D: '{{displayName}}',
      S: '{{subject}}',
    });
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.array(fc.string({ unit: 'grapheme-composite', maxLength: 80 }), { maxLength: 20 }),
        fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { minLength: 1, maxLength: 5 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
        (username, groups, values, subject) => {
          const who = identity({
            username,
            groups,
            attributes: { a: values },
            displayName: username,
            subject,
          });
          const result = compileSessionTags(all, ['U', 'G'], who, { ...REPLACE, authTags: true });
          expect(result.violations).toEqual([]);
          expect(result.tags.length).toBeLessThanOrEqual(AWS_LIMITS.maxTags);
          for (const tag of result.tags) {
            expect(tag.value).toMatch(TAG_CHARACTERS);
            expect(tag.value.length).toBeLessThanOrEqual(256);
          }
          expect(result.transitiveTagKeys.every((key) => result.tags.some((tag) => tag.key === key))).toBe(
            true,
          );
        },
      ),
    );
  });
});

import { identity } from '../../../test/mapping/config-fixture';
import { parseTemplate, parseValidatedTemplate, renderTemplate } from './template';

describe('parseTemplate', () => {
  it('parses literals and every known field, with spaces inside the braces', () => {
    expect(parseTemplate('a {{ username }}-{{attributes.cost.center}}{{groups}}')).toEqual({
      ok: true,
      parts: [
        { literal: 'a ' },
        { field: { kind: 'username' } },
        { literal: '-' },
        { field: { kind: 'attribute', name: 'cost.center' } },
        { field: { kind: 'groups' } },
      ],
    });
    expect(parseTemplate('')).toEqual({ ok: true, parts: [] });
  });

  it.each([
    ['{{user}}', 'uses unknown field {{user}}'],
    ['{{}}', 'uses unknown field {{}}'],
    ['{{attributes}}', 'uses unknown field {{attributes}}'],
    ['{{username}', 'has unbalanced {{ }} braces'],
    ['a}}b', 'has unbalanced {{ }} braces'],
    ['{{a{{username}}', 'has unbalanced {{ }} braces'],
  ])('rejects %s', (text, message) => {
    const result = parseTemplate(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });
});

describe('renderTemplate', () => {
  it('reports the fields the identity lacks', () => {
    const parts = parseValidatedTemplate('{{displayName}}/{{attributes.x}}/{{email}}');
    expect(renderTemplate(parts, identity({ attributes: { x: [] } }), ':')).toEqual({
      text: '//',
      missing: ['displayName', 'attributes.x', 'email'],
    });
  });

  it('does not find attributes through the prototype', () => {
    expect(
      renderTemplate(parseValidatedTemplate('{{attributes.constructor}}'), identity(), ':').missing,
    ).toEqual(['attributes.constructor']);
  });
});

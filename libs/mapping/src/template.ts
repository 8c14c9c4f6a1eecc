import type { Identity } from '@fedgate/core';

/**
 * Templates for session tags and session names: literal text with
 * `{{field}}` placeholders over the identity's fields. The grammar is
 * deliberately tiny (no expressions, no filters) so that the config check
 * can prove every placeholder resolves to a known field.
 */
export type TemplateField =
  | { kind: 'username' | 'subject' | 'connectorId' | 'email' | 'displayName' | 'groups' }
  | { kind: 'attribute'; name: string };

export type TemplatePart = { literal: string } | { field: TemplateField };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

const SIMPLE_FIELDS = ['username', 'subject', 'connectorId', 'email', 'displayName', 'groups'] as const;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const ATTRIBUTE = /^attributes\.([^\s{}]+)$/;

/** The placeholders a template may use, for messages and docs. */
export const TEMPLATE_FIELDS_HELP =
  '{{username}}, {{subject}}, {{connectorId}}, {{email}}, {{displayName}}, {{groups}}, {{attributes.NAME}}';

function fieldOf(name: string): TemplateField | undefined {
  const simple = SIMPLE_FIELDS.find((candidate) => candidate === name);
  if (simple !== undefined) {
    return { kind: simple };
  }
  const attribute = ATTRIBUTE.exec(name)?.[1];
  return attribute === undefined ? undefined : { kind: 'attribute', name: attribute };
}

/**
 * Parses a template, or says what is wrong with it: an unknown field
 * (`{{user}}`), an empty placeholder, or braces that do not pair up.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const before = text.slice(last, match.index);
    if (before.includes('{{') || before.includes('}}')) {
      return { ok: false, message: 'has unbalanced {{ }} braces' };
    }
    const name = match[1] ?? '';
    const field = fieldOf(name);
    if (field === undefined) {
      const shown = name === '' ? '{{}}' : `{{${name}}}`;
      return { ok: false, message: `uses unknown field ${shown} (known: ${TEMPLATE_FIELDS_HELP})` };
    }
    if (before !== '') {
      parts.push({ literal: before });
    }
    parts.push({ field });
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes('{{') || rest.includes('}}')) {
    return { ok: false, message: 'has unbalanced {{ }} braces' };
  }
  if (rest !== '') {
    parts.push({ literal: rest });
  }
  return { ok: true, parts };
}

/** Parses a template the config has already validated; a broken one is a bug, so it throws. */
export function parseValidatedTemplate(text: string): TemplatePart[] {
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    throw new Error(`template was not validated: ${parsed.message}`);
  }
  return parsed.parts;
}

/** How a field is written in a template, for traces. */
export function fieldLabel(field: TemplateField): string {
  return field.kind === 'attribute' ? `attributes.${field.name}` : field.kind;
}

/** A rendered template, and the fields it needed that the identity does not have. */
export interface Rendered {
  text: string;
  missing: string[];
}

/**
 * The values of one field. Email counts only when the IdP verified it
 * (docs/architecture.md#security-rules: email_verified is required wherever email is used).
 */
function valuesOf(field: TemplateField, identity: Identity): readonly string[] | undefined {
  switch (field.kind) {
    case 'username':
      return [identity.username];
    case 'subject':
      return [identity.subject];
    case 'connectorId':
      return [identity.connectorId];
    case 'email':
      return identity.email !== undefined && identity.emailVerified === true ? [identity.email] : undefined;
    case 'displayName':
      return identity.displayName === undefined ? undefined : [identity.displayName];
    case 'groups':
      // Sorted so the value does not depend on the order the IdP listed them in.
      return [...identity.groups].sort();
    case 'attribute': {
      const values = Object.hasOwn(identity.attributes, field.name)
        ? identity.attributes[field.name]
        : undefined;
      return values === undefined || values.length === 0 ? undefined : values;
    }
  }
}

/**
 * Fills a template from an identity. Multi-valued fields (groups,
 * attributes) are joined with `separator`. Fields the identity lacks render
 * as empty and are listed in `missing`, so the caller decides (a tag is then
 * left out rather than sent empty).
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  identity: Identity,
  separator: string,
): Rendered {
  let text = '';
  const missing: string[] = [];
  for (const part of parts) {
    if ('literal' in part) {
      text += part.literal;
      continue;
    }
    const values = valuesOf(part.field, identity);
    if (values === undefined) {
      missing.push(fieldLabel(part.field));
    } else {
      text += values.join(separator);
    }
  }
  return { text, missing };
}

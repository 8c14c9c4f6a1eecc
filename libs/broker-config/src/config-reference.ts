/**
 * The reference tables of docs/configuration.md, written from the JSON Schema
 * that `brokerConfigJsonSchema()` generates from the zod schemas: one table
 * per section, one row per key (nested keys as `a.b`, list items as `a[]`),
 * with its type, default, limits and the `.describe()` text of its schema.
 * `npm run docs:config` puts it between the markers of the page.
 */

/** One node of the JSON Schema, read loosely: only the keywords the reference shows. */
interface SchemaNode {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  'x-duration'?: { minimum: string; maximum: string };
}

interface Row {
  path: string;
  node: SchemaNode;
  required: boolean;
  /** Set inside one variant of a union: the discriminating key and its value. */
  variant?: string;
}

export const REFERENCE_START = '<!-- generated:config-reference:start -->';
export const REFERENCE_END = '<!-- generated:config-reference:end -->';

const code = (text: string): string => `\`${text}\``;

/** Table cells hold one line, and a `|` would end the cell (even inside backticks). */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}

function variantsOf(node: SchemaNode): SchemaNode[] | undefined {
  return node.oneOf ?? node.anyOf;
}

/** A JSON value as the reference shows it: strings bare, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A union of mappings told apart by one key's constant (`type`, `output`, `method`). */
interface TaggedUnion {
  key: string;
  options: { value: string; node: SchemaNode }[];
}

function taggedUnion(node: SchemaNode): TaggedUnion | undefined {
  const variants = variantsOf(node);
  const first = variants?.[0]?.properties;
  if (variants === undefined || first === undefined) {
    return undefined;
  }
  const key = Object.keys(first).find((name) =>
    variants.every((variant) => variant.properties?.[name]?.const !== undefined),
  );
  if (key === undefined) {
    return undefined;
  }
  return {
    key,
    options: variants.map((variant) => ({ value: shown(variant.properties?.[key]?.const), node: variant })),
  };
}

function typeName(node: SchemaNode): string {
  if (node['x-duration'] !== undefined) {
    return 'duration';
  }
  if (node.const !== undefined) {
    return code(shown(node.const));
  }
  if (node.enum !== undefined) {
    return 'enum';
  }
  const variants = variantsOf(node);
  if (variants !== undefined) {
    return [...new Set(variants.map(typeName))].join(' or ');
  }
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (types.length === 0) {
    return 'any';
  }
  return types
    .map((type) => {
      if (type === 'string' && node.format === 'uri') {
        return 'URL';
      }
      if (type === 'string' && node.format === 'email') {
        return 'email address';
      }
      if (type === 'array') {
        return node.items === undefined ? 'list' : `list of ${plural(typeName(node.items))}`;
      }
      if (type === 'object') {
        return typeof node.additionalProperties === 'object' && node.properties === undefined
          ? `mapping of ${typeName(node.additionalProperties)}`
          : 'mapping';
      }
      return type;
    })
    .join(' or ');
}

function plural(type: string): string {
  if (type.includes(' ') || type.startsWith('`')) {
    return `(${type})`;
  }
  return type.endsWith('s') ? type : `${type}s`;
}

function range(minimum: number | undefined, maximum: number | undefined, unit = ''): string | undefined {
  if (minimum !== undefined && maximum !== undefined) {
    return `${minimum} – ${maximum}${unit}`;
  }
  const units = (count: number): string => (count === 1 && unit.endsWith('s') ? unit.slice(0, -1) : unit);
  if (minimum !== undefined) {
    return `at least ${minimum}${units(minimum)}`;
  }
  if (maximum !== undefined) {
    return `at most ${maximum}${units(maximum)}`;
  }
  return undefined;
}

/** Allowed values and limits: ranges, lengths, list sizes, patterns, enums. */
function limits(node: SchemaNode): string[] {
  const duration = node['x-duration'];
  if (duration !== undefined) {
    return [`${duration.minimum} – ${duration.maximum}`];
  }
  const found: string[] = [];
  if (node.enum !== undefined) {
    found.push(node.enum.map((value) => code(shown(value))).join(', '));
  }
  const numbers = range(node.minimum, node.maximum);
  if (numbers !== undefined) {
    found.push(numbers);
  }
  if (node.minLength === 1 && node.maxLength === undefined) {
    found.push('not empty');
  } else {
    const lengths = range(node.minLength, node.maxLength, ' characters');
    if (lengths !== undefined) {
      found.push(lengths);
    }
  }
  const items = range(node.minItems, node.maxItems, ' items');
  if (items !== undefined) {
    found.push(items);
  }
  if (node.pattern !== undefined && node.format === undefined) {
    found.push(`matches ${code(node.pattern)}`);
  }
  if (node.items !== undefined && node.items.properties === undefined) {
    found.push(...limits(node.items).map((limit) => `each: ${limit}`));
  }
  const variants = variantsOf(node);
  if (variants !== undefined && taggedUnion(node) === undefined) {
    for (const variant of variants) {
      found.push(...limits(variant).map((limit) => `${typeName(variant)}: ${limit}`));
    }
  }
  return found;
}

function defaultText(row: Row): string {
  if (row.node.default !== undefined) {
    return code(shown(row.node.default));
  }
  return row.required ? 'required' : '—';
}

/** The rows of a mapping's keys, and of the keys nested inside them. */
function rowsOf(node: SchemaNode, prefix: string, variant?: string): Row[] {
  const required = new Set(node.required ?? []);
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const path = `${prefix}${key}`;
    const own: Row = { path, node: child, required: required.has(key), ...(variant ? { variant } : {}) };
    return [own, ...nestedRows(child, path, variant)];
  });
}

function nestedRows(node: SchemaNode, path: string, variant?: string): Row[] {
  if (node.properties !== undefined) {
    return rowsOf(node, `${path}.`, variant);
  }
  if (node.items !== undefined && (node.items.properties !== undefined || taggedUnion(node.items))) {
    return nestedRows(node.items, `${path}[]`, variant);
  }
  const union = taggedUnion(node);
  if (union !== undefined) {
    // One row for the key that picks the variant, listing every value, then each variant's own keys.
    const picker: Row = {
      path: `${path}.${union.key}`,
      node: { enum: union.options.map((option) => option.value) },
      required: true,
      ...(variant ? { variant } : {}),
    };
    return [
      picker,
      ...union.options.flatMap((option) => {
        const name = `${union.key}: ${option.value}`;
        return rowsOf(option.node, `${path}.`, variant === undefined ? name : `${variant}, ${name}`).filter(
          (row) => row.path !== picker.path,
        );
      }),
    ];
  }
  // A mapping among other kinds (`true`, or `{ ca, servername }`): its keys.
  const mapping = variantsOf(node)?.find((option) => option.properties !== undefined);
  return mapping === undefined ? [] : rowsOf(mapping, `${path}.`, variant);
}

function table(rows: readonly Row[]): string {
  const header = '| key | type | default | allowed | description |\n| --- | --- | --- | --- | --- |';
  const lines = rows.map((row) => {
    const description = [
      row.variant === undefined ? '' : `With ${code(row.variant)}.`,
      row.node.description ?? '',
    ]
      .filter((part) => part !== '')
      .join(' ');
    return `| ${[
      code(row.path),
      typeName(row.node),
      defaultText(row),
      limits(row.node).join('; '),
      description,
    ]
      .map(cell)
      .join(' | ')} |`;
  });
  return [header, ...lines].join('\n');
}

/** One section's part: its description, then a table per variant for a union of mappings. */
function section(name: string, node: SchemaNode, required: boolean): string {
  const listed = node.items !== undefined;
  const body = node.items ?? node;
  const heading = `### ${code(name)} reference`;
  const kind = listed ? 'A list' : 'A mapping';
  const presence = required
    ? 'required'
    : node.default === undefined
      ? 'may be left out'
      : `default ${defaultText({ path: name, node, required })}`;
  const size = range(node.minItems, node.maxItems, ' items');
  const facts = [`${kind}${size === undefined ? '' : ` of ${size}`}; ${presence}.`, node.description ?? '']
    .filter((part) => part !== '')
    .join(' ');
  const union = taggedUnion(body);
  if (union === undefined) {
    const rows = rowsOf(body, '');
    return [heading, cell(facts), rows.length > 0 ? table(rows) : 'No keys.'].join('\n\n');
  }
  const parts = union.options.map(({ value, node: variant }) => {
    const title = `#### ${code(`${name}${listed ? '[]' : ''}`)} with ${code(`${union.key}: ${value}`)}`;
    const rows = rowsOf(variant, '');
    return [title, ...(variant.description ? [cell(variant.description)] : []), table(rows)].join('\n\n');
  });
  return [heading, cell(facts), ...parts].join('\n\n');
}

/** The whole generated reference: one part per top-level section, in the schema's order. */
export function configReferenceMarkdown(jsonSchema: Record<string, unknown>): string {
  const root = jsonSchema as SchemaNode;
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {})
    .map(([name, node]) => section(name, node, required.has(name)))
    .join('\n\n');
}

/** The page with its generated part replaced; an error when the markers are missing or out of order. */
export function withConfigReference(page: string, reference: string): string {
  const start = page.indexOf(REFERENCE_START);
  const end = page.indexOf(REFERENCE_END);
  if (start < 0 || end < start) {
    throw new Error(
      `the page has no ${REFERENCE_START} … ${REFERENCE_END} pair, in that order, to put the reference between`,
    );
  }
  return `${page.slice(0, start + REFERENCE_START.length)}\n\n${reference}\n\n${page.slice(end)}`;
}

/** The generated part of the page as it is, for the staleness test. */
export function currentConfigReference(page: string): string | undefined {
  const start = page.indexOf(REFERENCE_START);
  const end = page.indexOf(REFERENCE_END);
  return start < 0 || end < start ? undefined : page.slice(start + REFERENCE_START.length, end).trim();
}

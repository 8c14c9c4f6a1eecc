import { z } from 'zod';
import { formatDuration } from '@fedgate/core';
import { durationRanges } from '@fedgate/config';
import { brokerConfigSchema } from './broker-config.schema';

/** Where the published schema lives in the repository, for editors (docs/configuration.md). */
export const PUBLISHED_SCHEMA_PATH = 'docs/fedgate.schema.json';

/** What a duration string may look like: whole seconds, or days, hours, minutes and seconds in order. */
const DURATION_TEXT = '^\\s*(?:\\d+|(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?)\\s*$';

/** The range of a duration, written as people write durations; the generated reference reads it. */
export interface DurationRange {
  minimum: string;
  maximum: string;
}

type JsonSchemaNode = Record<string, unknown>;

interface WrapperDefinition {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
}

function definitionOf(schema: z.core.$ZodType): WrapperDefinition {
  return schema._zod.def;
}

/**
 * A duration is a string or a number that a transform turns into seconds, so
 * zod can say neither its range nor (in input mode) its default: both are
 * written here, the range as an integer's limits and as `x-duration`.
 */
function describeDuration(zodSchema: z.core.$ZodType, jsonSchema: JsonSchemaNode): void {
  const range = durationRanges.get(zodSchema);
  if (range !== undefined) {
    delete jsonSchema.type;
    jsonSchema.anyOf = [
      { type: 'string', pattern: DURATION_TEXT },
      { type: 'integer', minimum: range.minSeconds, maximum: range.maxSeconds },
    ];
    jsonSchema['x-duration'] = {
      minimum: formatDuration(range.minSeconds),
      maximum: formatDuration(range.maxSeconds),
    } satisfies DurationRange;
    return;
  }
  const definition = definitionOf(zodSchema);
  const inner = definition.type === 'default' ? definition.innerType : undefined;
  const innerRange = inner === undefined ? undefined : durationRanges.get(inner);
  if (innerRange !== undefined && typeof definition.defaultValue === 'number') {
    const seconds = definition.defaultValue / (innerRange.milliseconds === true ? 1000 : 1);
    jsonSchema.default = formatDuration(seconds);
  }
}

/**
 * A configuration file's JSON Schema (draft 2020-12), generated from the zod
 * schema that validates it, for editors: with the `yaml-language-server`
 * comment, a file gets completion, checking and descriptions as it is typed.
 * Checks zod cannot express (refinements, cross-checks) are left to the
 * program's own validation.
 */
export function editorJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, {
    // What a person writes: defaults may be left out.
    io: 'input',
    // A check zod cannot express in JSON Schema (a refinement) is left to the validation.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      describeDuration(zodSchema, jsonSchema);
    },
  });
  return { ...generated, title };
}

/**
 * The broker's configuration file as JSON Schema: `fedgate config schema`,
 * published as docs/fedgate.schema.json. The cross-checks (unknown account
 * names and the like) are not in it: `fedgate config validate` runs those.
 * The reference tables in docs/configuration.md are generated from it
 * (`npm run docs:config`).
 */
export function brokerConfigJsonSchema(): Record<string, unknown> {
  return editorJsonSchema(brokerConfigSchema, 'fedgate broker configuration');
}

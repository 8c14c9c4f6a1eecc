import { z } from 'zod';
import { brokerConfigSchema } from './broker-config.schema';

/** Where the published schema lives in the repository, for editors (docs/configuration.md). */
export const PUBLISHED_SCHEMA_PATH = 'docs/fedgate.schema.json';

/**
 * The broker's configuration file as JSON Schema (draft 2020-12), generated
 * from the same zod schemas that validate it, for editors: with the
 * `yaml-language-server` comment, a file gets completion and checking as it
 * is typed. The cross-checks (unknown account names and the like) are not in
 * it: `fedgate config validate` runs those.
 */
export function brokerConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(brokerConfigSchema, {
    // What a person writes: defaults may be left out.
    io: 'input',
    // A check zod cannot express in JSON Schema (a refinement) is left to fedgate config validate.
    unrepresentable: 'any',
  });
  return { ...schema, title: 'fedgate broker configuration' };
}

import { z } from 'zod';
import { brokerConfigSchema } from '@fedgate/broker-config';
import { stsLocalConfigSchema } from '../../apps/sts-local/src/config/sts-local-config';

/**
 * The places a documented YAML block can belong to: the broker's file, one
 * entry of one of its lists, one connector type, or sts-local's file. A
 * block belongs where every one of its top-level keys is a key.
 */
export interface ConfigSection {
  name: string;
  shape: Record<string, z.ZodType>;
}

/** What wrapping schemas (default, prefault, optional, pipe) hold inside, read loosely. */
interface WrapperDefinition {
  in?: z.ZodType;
  innerType?: z.ZodType;
}

/** Strips defaults, optionals and pipes until an object, array or union shows. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    if (
      current instanceof z.ZodObject ||
      current instanceof z.ZodArray ||
      current instanceof z.ZodDiscriminatedUnion
    ) {
      return current;
    }
    const definition = (current as unknown as { def: WrapperDefinition }).def;
    const inner = definition.innerType ?? definition.in;
    if (inner === undefined) {
      return current;
    }
    current = inner;
  }
  return current;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  const object = unwrap(schema);
  if (!(object instanceof z.ZodObject)) {
    throw new Error('expected an object schema');
  }
  return object.shape;
}

function itemShapes(name: string, schema: z.ZodType): ConfigSection[] {
  const list = unwrap(schema);
  if (!(list instanceof z.ZodArray)) {
    throw new Error(`${name} is not a list`);
  }
  const item = unwrap(list.element as z.ZodType);
  if (item instanceof z.ZodDiscriminatedUnion) {
    return (item.options as z.ZodType[]).map((option) => {
      const shape = objectShape(option);
      const type = (shape.type as z.ZodLiteral<string>).value;
      return { name: `${name}[type: ${type}]`, shape };
    });
  }
  return [{ name: `${name}[]`, shape: objectShape(item) }];
}

const broker = objectShape(brokerConfigSchema);
const stsLocal = objectShape(stsLocalConfigSchema);

/** Every section a block may fill; the first that holds all its keys is the one it is checked against. */
export const CONFIG_SECTIONS: readonly ConfigSection[] = [
  { name: 'broker config', shape: broker },
  ...itemShapes('connectors', broker.connectors!),
  ...itemShapes('accounts', broker.accounts!),
  ...itemShapes('permissionSets', broker.permissionSets!),
  ...itemShapes('assignments', broker.assignments!),
  ...itemShapes('backends', broker.backends!),
  { name: 'sts-local config', shape: stsLocal },
  ...itemShapes('sts-local accounts', stsLocal.accounts!),
];

/** The connector sections, by type, for a list of connectors. */
export const CONNECTOR_LIST: z.ZodType = broker.connectors!;

/**
 * Walks a zod 4 schema along a JSON path, looking through optional, nullable, default and pipe
 * wrappers: the receive profile asks it whether a field may be dropped and what a filled-in value
 * must satisfy.
 */
import type { z } from 'zod';

type Path = Array<string | number>;

/** The schema of the value at `path`, looking through optional, nullable, default and pipes. */
export function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let node: z.ZodType | undefined = schema;
  for (const key of path) {
    if (!node) return undefined;
    node = childSchema(unwrap(node), key);
  }
  return node;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(node);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(def.type)) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else if (def.type === 'lazy' && def.getter) node = def.getter();
    else return node;
  }
  return node;
}

function childSchema(node: z.ZodType, key: string | number): z.ZodType | undefined {
  const def = defOf(node);
  if (def.type === 'object' && typeof key === 'string') return def.shape?.[key];
  if (def.type === 'array' && typeof key === 'number') return def.element;
  if (def.type === 'record') return def.valueType;
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const child = childSchema(unwrap(option), key);
      if (child) return child;
    }
  }
  return undefined;
}

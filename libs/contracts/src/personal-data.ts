import { z } from 'zod';

/** Marks the schema's value as personal data: the crypto-shredding codec encrypts it per subject. */
const personalDataRegistry = z.registry<{ personalData: true }>();

/**
 * Returns a personal-data copy of the schema. It marks a copy, not the schema itself, so marking
 * a shared primitive (`personal(Email)`) does not turn every other use of it into personal data.
 */
export function personal<Schema extends z.ZodType>(schema: Schema): Schema {
  const marked = schema.clone();
  personalDataRegistry.add(marked, { personalData: true });
  return marked;
}

/** Containers whose members a path of keys and `[]` cannot address. */
const UNADDRESSABLE = new Set(['record', 'map', 'set', 'tuple', 'lazy']);

/**
 * The paths of every personal-data field in a schema, e.g. ["title", "invitees[].email"].
 * Optional, nullable and defaulted wrappers are looked through; array elements are `[]`.
 * Personal data inside a record, map, set, tuple or lazy schema throws: the codec could not
 * find it, so it would be stored in clear. Mark the whole container personal instead.
 */
export function personalDataPaths(schema: z.ZodType): string[] {
  const paths = new Set<string>();
  const visiting = new Set<z.ZodType>();
  const visit = (node: z.ZodType, path: string, container: string | undefined): void => {
    if (personalDataRegistry.has(node)) {
      if (container) {
        throw new Error(
          `personal data at "${path || '(root)'}" sits inside a ${container} schema, which personalDataPaths cannot address; mark the whole ${container} personal instead`,
        );
      }
      paths.add(path);
      return;
    }
    if (visiting.has(node)) return;
    visiting.add(node);
    const def = (node as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    const inside = container ?? (UNADDRESSABLE.has(def.type) ? def.type : undefined);
    switch (def.type) {
      case 'object':
        for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          visit(child, path ? `${path}.${key}` : key, inside);
        }
        if (def.catchall) visit(def.catchall as z.ZodType, path, 'catch-all object');
        break;
      case 'array':
        visit(def.element as z.ZodType, `${path}[]`, inside);
        break;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'nonoptional':
      case 'catch':
        visit(def.innerType as z.ZodType, path, inside);
        break;
      case 'pipe':
        visit(def.in as z.ZodType, path, inside);
        break;
      case 'union':
        for (const option of def.options as z.ZodType[]) visit(option, path, inside);
        break;
      case 'intersection':
        visit(def.left as z.ZodType, path, inside);
        visit(def.right as z.ZodType, path, inside);
        break;
      case 'record':
      case 'map':
        visit(def.keyType as z.ZodType, path, inside);
        visit(def.valueType as z.ZodType, path, inside);
        break;
      case 'set':
        visit(def.valueType as z.ZodType, path, inside);
        break;
      case 'tuple':
        for (const item of def.items as z.ZodType[]) visit(item, path, inside);
        if (def.rest) visit(def.rest as z.ZodType, path, inside);
        break;
      case 'lazy':
        visit((node as unknown as { _zod: { innerType: z.ZodType } })._zod.innerType, path, inside);
        break;
      default:
        break;
    }
    visiting.delete(node);
  };
  visit(schema, '', undefined);
  return [...paths].sort();
}

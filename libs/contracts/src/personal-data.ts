import { z } from 'zod';

/** Marks the schema's value as personal data: the crypto-shredding codec encrypts it per subject. */
const personalDataRegistry = z.registry<{ personalData: true }>();

export function personal<Schema extends z.ZodType>(schema: Schema): Schema {
  personalDataRegistry.add(schema, { personalData: true });
  return schema;
}

/**
 * The paths of every personal-data field in a schema, e.g. ["title", "invitees[].email"].
 * Optional, nullable and defaulted wrappers are looked through; array elements are `[]`.
 */
export function personalDataPaths(schema: z.ZodType): string[] {
  const paths = new Set<string>();
  const visit = (node: z.ZodType, path: string): void => {
    if (personalDataRegistry.has(node)) {
      paths.add(path);
      return;
    }
    const def = (node as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    switch (def.type) {
      case 'object':
        for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          visit(child, path ? `${path}.${key}` : key);
        }
        return;
      case 'array':
        visit(def.element as z.ZodType, `${path}[]`);
        return;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
        visit(def.innerType as z.ZodType, path);
        return;
      case 'pipe':
        visit(def.in as z.ZodType, path);
        return;
      case 'union':
        for (const option of def.options as z.ZodType[]) visit(option, path);
        return;
      default:
        return;
    }
  };
  visit(schema, '');
  return [...paths].sort();
}

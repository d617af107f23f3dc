import { z } from 'zod';
import { commandCatalogue, eventCatalogue } from './catalogue/index.js';

/**
 * JSON Schema (draft 2020-12) of every contract, by file name. Refinements that JSON
 * Schema cannot express (time-zone validity, end after start) are enforced by zod only.
 */
export function contractJsonSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  const convert = (schema: z.ZodType, title: string, extra: Record<string, unknown>) => ({
    ...z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }),
    title,
    ...extra,
  });
  for (const contract of eventCatalogue) {
    files[`events/${contract.type}.v${contract.schemaVersion}.json`] = convert(
      contract.envelope,
      contract.type,
      {
        'x-subject': contract.subject,
        'x-stream-category': contract.category,
        'x-personal-data': contract.personalDataPaths,
      },
    );
  }
  for (const contract of commandCatalogue) {
    const base = `commands/${contract.name}.v${contract.schemaVersion}`;
    files[`${base}.request.json`] = convert(contract.request, `${contract.name} request`, {
      'x-subject': contract.subject,
      'x-personal-data': contract.personalDataPaths,
    });
    files[`${base}.response.json`] = convert(contract.response, `${contract.name} response`, {
      'x-subject': contract.subject,
    });
  }
  return files;
}

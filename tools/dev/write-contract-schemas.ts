// npm run contracts:schemas: writes the JSON Schema of every contract to libs/contracts/schemas/.
// A unit test (libs/contracts/src/json-schemas.unit.spec.ts) fails when the committed files are stale.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractJsonSchemas } from '@scheduler/contracts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../libs/contracts/schemas');
rmSync(root, { recursive: true, force: true });
const files = contractJsonSchemas();
for (const [name, schema] of Object.entries(files)) {
  const path = join(root, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(schema, null, 2) + '\n');
}
console.log(`wrote ${Object.keys(files).length} JSON Schemas to ${root}`);

// npm run openapi:write: writes the gateway's OpenAPI document to services/gateway/openapi.json.
// A unit test (openapi.unit.spec.ts) fails when the committed file and the code disagree.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gatewayOpenApiDocument, openApiFileText } from './gateway-openapi.js';

const target = fileURLToPath(new URL('../../openapi.json', import.meta.url));
const document = gatewayOpenApiDocument();
writeFileSync(target, openApiFileText(document));
const operations = Object.values(document.paths).reduce(
  (count, methods) => count + Object.keys(methods).length,
  0,
);
console.log(`wrote ${operations} operations to ${target}`);

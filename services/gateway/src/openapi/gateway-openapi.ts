import { loadConfig } from '@scheduler/config';
import { GatewayModule } from '../app.module.js';
import { gatewayEnvironment } from '../config.js';
import { buildOpenApiDocument, controllersOf, type OpenApiDocument } from './openapi-document.js';
import { GATEWAY_API_VERSION } from './openapi-version.js';

/** Where the committed document lives, relative to the repository root. */
export const OPENAPI_FILE = 'services/gateway/openapi.json';
export const OPENAPI_WRITE_COMMAND = 'npm run openapi:write';

// Placeholder settings: building the module tree reads no setting and connects to nothing.
const documentationSettings = {
  HTTP_PORT: '8080',
  NATS_URL: 'nats://127.0.0.1:4222',
  EVENT_STORE_URL: 'postgres://localhost/scheduler',
  KEY_STORE_URL: 'postgres://localhost/scheduler',
  KEY_ENCRYPTION_KEY: `docs:${Buffer.alloc(32).toString('base64')}`,
  READ_MODEL_URL: 'postgres://localhost/scheduler',
  PUBLIC_BASE_URL: 'https://scheduler.example',
  GOOGLE_CLIENT_ID: 'scheduler.apps.googleusercontent.com',
  ALLOWED_HOSTED_DOMAINS: 'example.com',
  OAUTH_STATE_SECRET: 'x'.repeat(32),
  WEBEX_CLIENT_ID: 'scheduler',
};

/**
 * The gateway's OpenAPI document from its root module, without starting it: every controller
 * the module tree imports, so a new feature module is documented as soon as it is imported.
 */
export function gatewayOpenApiDocument(): OpenApiDocument {
  const config = loadConfig('gateway', gatewayEnvironment, documentationSettings);
  return buildOpenApiDocument(controllersOf(GatewayModule.forRoot(config)), { version: GATEWAY_API_VERSION });
}

/** The file's exact text: stable key order as built, two-space indent, final newline. */
export const openApiFileText = (document: OpenApiDocument) => `${JSON.stringify(document, null, 2)}\n`;

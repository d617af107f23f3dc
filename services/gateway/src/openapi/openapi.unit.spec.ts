import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  OPENAPI_FILE,
  OPENAPI_WRITE_COMMAND,
  gatewayOpenApiDocument,
  openApiFileText,
} from './gateway-openapi.js';

const committedPath = fileURLToPath(new URL('../../openapi.json', import.meta.url));

type Operation = {
  security: unknown[];
  responses: Record<
    string,
    { content?: Record<string, { schema: object; examples?: Record<string, { value: unknown }> }> }
  >;
};

describe('the OpenAPI document', () => {
  const document = gatewayOpenApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      path,
      method,
      operation: operation as Operation,
    })),
  );

  it(`is the committed ${OPENAPI_FILE} (if not: run \`${OPENAPI_WRITE_COMMAND}\` and commit it)`, () => {
    const committed = readFileSync(committedPath, 'utf8');
    if (committed !== openApiFileText(document))
      throw new Error(
        `${OPENAPI_FILE} does not match the gateway's routes: run \`${OPENAPI_WRITE_COMMAND}\` and commit the result`,
      );
  });

  it('documents every /v1 route, with the bearer scheme on authenticated ones', () => {
    expect(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`)).toEqual(
      expect.arrayContaining([
        'GET /v1/meetings',
        'POST /v1/meetings',
        'GET /v1/meetings/{id}',
        'GET /v1/oauth/google/start',
        'GET /v1/oauth/google/callback',
        'POST /v1/oauth/webex/start',
        'GET /v1/oauth/webex/callback',
        'GET /v1/openapi.json',
      ]),
    );
    const byRoute = new Map(operations.map((entry) => [`${entry.method} ${entry.path}`, entry.operation]));
    expect(byRoute.get('post /v1/meetings')!.security).toEqual([{ googleIdToken: [] }]);
    expect(byRoute.get('get /v1/openapi.json')!.security).toEqual([]);
    expect(Object.keys(byRoute.get('post /v1/meetings')!.responses)).toEqual(
      expect.arrayContaining([
        '202',
        '400',
        '401',
        '403',
        '404',
        '409',
        '413',
        '422',
        '429',
        '500',
        '502',
        '503',
      ]),
    );
    expect(byRoute.get('get /v1/meetings/{id}')!.responses['404']).toBeDefined();
  });

  it('has examples that are valid against their own response schemas', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', ...document });
    let checked = 0;
    for (const { path, method, operation } of operations)
      for (const [status, response] of Object.entries(operation.responses))
        for (const content of Object.values(response.content ?? {}))
          for (const [name, example] of Object.entries(content.examples ?? {})) {
            // Local references resolve against the document, added under the id `doc`.
            const validate = ajv.compile(
              JSON.parse(JSON.stringify(content.schema).replaceAll('"#/components', '"doc#/components')),
            );
            const valid = validate(example.value);
            expect([method, path, status, name, valid ? 'valid' : validate.errors]).toEqual([
              method,
              path,
              status,
              name,
              'valid',
            ]);
            checked++;
          }
    expect(checked).toBeGreaterThan(30);
  });
});

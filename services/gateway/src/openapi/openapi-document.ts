import 'reflect-metadata';
import { type DynamicModule, RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  MODULE_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { z } from 'zod';
import {
  GoogleAccountNotConnectedError,
  HostedDomainNotAllowedError,
  InvalidRequestError,
  NotTenantAdministratorError,
  ServiceUnavailableError,
  TenantDisabledError,
  TooManyRequestsError,
  UnauthenticatedError,
} from '../api-errors/api-errors.js';
import { API_PREFIX } from '../api-errors/api-exception.filter.js';
import { errorResponseFor } from '../api-errors/error-mapping.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { ALLOW_DISABLED_TENANT, AuthenticationGuard } from '../authentication/authentication.guard.js';
import { TenantAdminGuard } from '../tenant-administration/tenant-admin.guard.js';
import { API_ANSWER, API_FAILURES, API_INPUT, type ApiAnswerOptions } from './openapi.decorators.js';

/** The correlation id shown in the examples; real answers carry the request's own. */
const EXAMPLE_CORRELATION_ID = '0193a6f0-8a4e-7c41-9d2b-6f1e2a3b4c5d';
const SECURITY_SCHEME = 'googleIdToken';

// RouteParamtypes of @nestjs/common (BODY, QUERY, PARAM): the parts a ZodValidationPipe can validate.
const PARAMETER_LOCATIONS: Record<number, 'body' | 'query' | 'path'> = { 3: 'body', 4: 'query', 5: 'path' };

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.OPTIONS]: 'options',
  [RequestMethod.HEAD]: 'head',
};

type JsonSchema = Record<string, unknown>;

/** zod 4's own JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), without the `$schema` line. */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    // A refinement (e.g. a time zone check) has no JSON Schema; the rest of the field still does.
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

interface RouteInput {
  body?: z.ZodType;
  query?: z.ZodType;
  path?: z.ZodType;
}

interface Route {
  readonly controller: Type;
  readonly handlerName: string;
  readonly method: string;
  /** OpenAPI form: `/v1/meetings/{id}`. */
  readonly path: string;
  readonly authenticated: boolean;
  /** Admits the users of a disabled tenant (@AllowDisabledTenant). */
  readonly allowsDisabledTenant: boolean;
  /** Behind TenantAdminGuard: for the tenant's Workspace administrators only. */
  readonly administrators: boolean;
  readonly input: RouteInput;
  readonly answer: ApiAnswerOptions | undefined;
  readonly failures: readonly unknown[];
  readonly httpCode: number | undefined;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function joinPath(...parts: string[]): string {
  const joined = `/${parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Every route of the controllers, read from Nest's own route metadata. */
export function routesOf(controllers: readonly Type[]): Route[] {
  const routes: Route[] = [];
  for (const controller of controllers) {
    const base = asList<string>(Reflect.getMetadata(PATH_METADATA, controller));
    const classGuards = asList<unknown>(Reflect.getMetadata(GUARDS_METADATA, controller));
    const prototype = controller.prototype as Record<string, unknown>;
    for (const handlerName of Object.getOwnPropertyNames(prototype)) {
      if (handlerName === 'constructor') continue;
      const handler = Object.getOwnPropertyDescriptor(prototype, handlerName)?.value;
      if (typeof handler !== 'function') continue;
      const handlerPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (handlerPaths === undefined || requestMethod === undefined) continue;
      const method = HTTP_METHODS[requestMethod];
      if (!method)
        throw new Error(`${controller.name}.${handlerName}: method ${requestMethod} is not documented`);
      const guards = [...classGuards, ...asList<unknown>(Reflect.getMetadata(GUARDS_METADATA, handler))];
      const input: RouteInput = { ...(Reflect.getMetadata(API_INPUT, handler) as RouteInput | undefined) };
      const parameters = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<
        string,
        { pipes?: unknown[] }
      >;
      for (const [key, parameter] of Object.entries(parameters)) {
        const location = PARAMETER_LOCATIONS[Number(key.split(':')[0])];
        for (const pipe of parameter.pipes ?? [])
          if (location && pipe instanceof ZodValidationPipe) input[location] = pipe.schema as z.ZodType;
      }
      for (const basePath of base.length > 0 ? base : ['']) {
        for (const handlerPath of asList(handlerPaths)) {
          routes.push({
            controller,
            handlerName,
            method,
            path: joinPath(basePath, handlerPath),
            authenticated: guards.includes(AuthenticationGuard),
            allowsDisabledTenant:
              Reflect.getMetadata(ALLOW_DISABLED_TENANT, handler) === true ||
              Reflect.getMetadata(ALLOW_DISABLED_TENANT, controller) === true,
            administrators: guards.includes(TenantAdminGuard),
            input,
            answer: Reflect.getMetadata(API_ANSWER, handler) as ApiAnswerOptions | undefined,
            failures: (Reflect.getMetadata(API_FAILURES, handler) as unknown[] | undefined) ?? [],
            httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined,
          });
        }
      }
    }
  }
  return routes;
}

/** The controllers of a module tree, walked through its imports (static and dynamic modules). */
export function controllersOf(root: Type | DynamicModule): Type[] {
  const seen = new Set<unknown>();
  const controllers: Type[] = [];
  const visit = (entry: unknown) => {
    if (!entry || seen.has(entry)) return;
    seen.add(entry);
    const dynamic = typeof entry === 'object' && 'module' in entry ? (entry as DynamicModule) : undefined;
    const moduleClass = (dynamic?.module ?? entry) as Type;
    for (const controller of [
      ...asList<Type>(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, moduleClass)),
      ...asList<Type>(dynamic?.controllers as Type[] | undefined),
    ])
      if (!controllers.includes(controller)) controllers.push(controller);
    for (const imported of [
      ...asList<unknown>(Reflect.getMetadata(MODULE_METADATA.IMPORTS, moduleClass)),
      ...asList<unknown>(dynamic?.imports),
    ])
      visit(imported);
  };
  visit(root);
  return controllers;
}

interface ExampleAnswer {
  readonly status: number;
  readonly name: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** An error as the API answers it: the same mapping the exception filter uses. */
function exampleOf(exception: unknown): ExampleAnswer {
  const answer = errorResponseFor(exception, EXAMPLE_CORRELATION_ID);
  const { code, reason } = answer.body.error as { code: string; reason?: unknown };
  return {
    status: answer.status,
    name: typeof reason === 'string' ? `${code}.${reason}` : code,
    body: answer.body,
    headers: answer.headers ?? {},
  };
}

function firstFieldOf(schema: z.ZodType | undefined): string | undefined {
  const shape = schema && 'shape' in schema ? (schema.shape as Record<string, unknown>) : undefined;
  return shape ? Object.keys(shape)[0] : undefined;
}

/** Errors every route of its kind can answer, besides what its handler throws. */
function automaticFailures(route: Route): unknown[] {
  const failures: unknown[] = [];
  for (const location of ['path', 'query', 'body'] as const) {
    const schema = route.input[location];
    if (!schema) continue;
    failures.push(
      new InvalidRequestError(location, [
        { path: firstFieldOf(schema) ?? `(${location})`, message: 'is required' },
      ]),
    );
  }
  if (route.input.body) {
    failures.push(
      Object.assign(new SyntaxError('example'), { status: 400, type: 'entity.parse.failed' }),
      Object.assign(new Error('example'), { status: 413, type: 'entity.too.large' }),
    );
  }
  if (route.authenticated)
    failures.push(
      new UnauthenticatedError('missing_token'),
      new UnauthenticatedError('malformed_header'),
      new UnauthenticatedError('invalid_token'),
      new HostedDomainNotAllowedError(),
      ...(route.allowsDisabledTenant ? [] : [new TenantDisabledError('2026-12-01T09:00:00.000Z')]),
      new TooManyRequestsError('user', 30),
    );
  if (route.administrators)
    failures.push(
      new NotTenantAdministratorError(),
      new GoogleAccountNotConnectedError(),
      new ServiceUnavailableError('checking_tenant_administrator'),
    );
  failures.push(new TooManyRequestsError('ip', 30), new Error('example'));
  return failures;
}

const errorBodySchema: JsonSchema = {
  type: 'object',
  description:
    "The API's one error format. `code` is stable for machines; other members are details of that code.",
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'correlationId'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        correlationId: { type: 'string', description: 'Also the x-correlation-id response header.' },
        fields: {
          type: 'array',
          description: 'Every invalid field of the input.',
          items: {
            type: 'object',
            required: ['path', 'message'],
            additionalProperties: false,
            properties: {
              path: { type: 'string', description: 'Dot path into the input; `(body)` for the whole body.' },
              message: { type: 'string' },
            },
          },
        },
      },
      additionalProperties: true,
    },
  },
};

function failureResponses(route: Route): Record<string, unknown> {
  const byStatus = new Map<number, ExampleAnswer[]>();
  for (const failure of [...automaticFailures(route), ...route.failures]) {
    const example = exampleOf(failure);
    const list = byStatus.get(example.status) ?? [];
    if (!list.some((known) => JSON.stringify(known.body) === JSON.stringify(example.body)))
      list.push(example);
    byStatus.set(example.status, list);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, examples] of [...byStatus].sort(([a], [b]) => a - b)) {
    const codes = [
      ...new Set(examples.map((example) => (example.body as { error: { code: string } }).error.code)),
    ];
    const names = new Map<string, number>();
    const named = examples.map((example) => {
      const count = (names.get(example.name) ?? 0) + 1;
      names.set(example.name, count);
      return [count === 1 ? example.name : `${example.name}.${count}`, { value: example.body }] as const;
    });
    const headerNames = [...new Set(examples.flatMap((example) => Object.keys(example.headers)))];
    responses[String(status)] = {
      description: codes.join(', '),
      ...(headerNames.includes('retry-after')
        ? {
            headers: {
              'Retry-After': {
                description: 'Seconds until a request is accepted again.',
                required: true,
                schema: { type: 'integer', minimum: 1 },
              },
            },
          }
        : {}),
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { properties: { error: { properties: { code: { enum: codes } } } } },
            ],
          },
          examples: Object.fromEntries(named),
        },
      },
    };
  }
  return responses;
}

function parametersOf(route: Route): unknown[] {
  const parameters: unknown[] = [];
  for (const location of ['path', 'query'] as const) {
    const schema = route.input[location];
    if (!schema) continue;
    const object = jsonSchemaOf(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      parameters.push({
        name,
        in: location,
        required: location === 'path' || (object.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: propertySchema,
      });
    }
  }
  // Path parameters without a schema (no pipe): still required strings.
  for (const match of route.path.matchAll(/\{([^}]+)\}/g))
    if (!parameters.some((parameter) => (parameter as { name: string; in: string }).name === match[1]))
      parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  return parameters;
}

function successResponse(route: Route): [string, unknown] {
  const answer = route.answer;
  const status = answer?.status ?? route.httpCode ?? (route.method === 'post' ? 201 : 200);
  if (answer?.location !== undefined)
    return [
      String(status),
      {
        description: answer.description,
        headers: {
          Location: { description: answer.location, required: true, schema: { type: 'string' } },
        },
      },
    ];
  return [
    String(status),
    {
      description: answer?.description ?? 'Success',
      ...(answer?.schema
        ? { content: { 'application/json': { schema: jsonSchemaOf(answer.schema, 'output') } } }
        : {}),
    },
  ];
}

function operationOf(route: Route): Record<string, unknown> {
  const controllerName = route.controller.name.replace(/Controller$/, '');
  const tag = route.path.split('/')[2] ?? controllerName.toLowerCase();
  const [successStatus, success] = successResponse(route);
  return {
    operationId: `${controllerName.charAt(0).toLowerCase()}${controllerName.slice(1)}.${route.handlerName}`,
    tags: [tag],
    security: route.authenticated ? [{ [SECURITY_SCHEME]: [] }] : [],
    ...(parametersOf(route).length > 0 ? { parameters: parametersOf(route) } : {}),
    ...(route.input.body
      ? {
          requestBody: {
            required: !('default' in jsonSchemaOf(route.input.body, 'input')),
            content: { 'application/json': { schema: jsonSchemaOf(route.input.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [successStatus]: success,
      ...failureResponses(route),
      // Node's HTTP server itself refuses an oversized URL or header block, before any of our code.
      '431': {
        description: 'The URL or the headers are too large (answered by the HTTP server, without a body)',
      },
    },
  };
}

export interface OpenApiDocumentOptions {
  readonly version: string;
}

/**
 * The OpenAPI 3.1 document of the public API (every route under /v1) of these controllers:
 * paths and methods from Nest's route metadata, inputs from the zod schemas the routes validate
 * with, errors as the exception filter answers them. Health and metrics are operators' routes
 * outside /v1 and are left out.
 */
export function buildOpenApiDocument(controllers: readonly Type[], options: OpenApiDocumentOptions) {
  const paths: Record<string, Record<string, unknown>> = {};
  const routes = routesOf(controllers)
    .filter((route) => route.path.startsWith(`${API_PREFIX}/`))
    .sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operationOf(route);
  return {
    openapi: '3.1.1',
    info: {
      title: 'Scheduler gateway API',
      version: options.version,
      description:
        'The REST API of the add-on front end. Every error is `{ error: { code, message, correlationId, …details } }`. ' +
        'Requests are limited per user and per client address; a 429 carries Retry-After.',
    },
    paths,
    components: {
      schemas: { Error: errorBodySchema },
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Google ID token for our OAuth client (audience), with a verified email of a served Workspace domain (hd).',
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

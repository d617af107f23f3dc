import { z } from 'zod';
import { ContractViolationError, contractErrorMap, toContractIssues } from './errors.js';
import { personalDataPaths } from './personal-data.js';
import { Instant, TenantId, UuidV7, newUuidV7 } from './primitives.js';

const STREAM_CATEGORY = /^[a-z][A-Za-z0-9]*$/;
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The envelope every event travels in; `data` is the contract's own schema. */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly streamId: string;
  readonly tenantId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly data: Data;
}

/** The services of the system: each event contract names the one that produces it. */
export const serviceNames = ['gateway', 'google-ingest', 'webex-bridge', 'retention'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface EventContract<Type extends string = string, Data extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly type: Type;
  /** The one service that appends events of this type: its stream category has one writer. */
  readonly producer: ServiceName;
  /** The stream category its events are appended to: streams are named `<category>-<id>`. */
  readonly category: string;
  readonly schemaVersion: number;
  /** NATS subject, derived: `evt.<category>.<type>`. */
  readonly subject: string;
  readonly data: Data;
  readonly envelope: z.ZodType<EventEnvelope<Type, z.output<Data>>>;
  /** Paths inside `data` that hold personal data, e.g. ["title", "invitees[].email"]. */
  readonly personalDataPaths: readonly string[];
  /** Validates a whole envelope of the current schema version; throws ContractViolationError. */
  parse(value: unknown): EventEnvelope<Type, z.output<Data>>;
  is(event: { readonly type: string }): event is EventEnvelope<Type, z.output<Data>>;
}

export type EventOf<Contract> =
  Contract extends EventContract<infer Type, infer Data> ? EventEnvelope<Type, z.output<Data>> : never;
export type DataOf<Contract> = Contract extends EventContract<string, infer Data> ? z.output<Data> : never;
/** What a caller passes for a command (before the contract's defaults and transforms). */
export type RequestOf<Contract> =
  Contract extends CommandContract<string, infer Request> ? z.input<Request> : never;
/** A command's answer, as its contract parses it. */
export type ResponseOf<Contract> =
  Contract extends CommandContract<string, z.ZodType, infer Response> ? z.output<Response> : never;

export const streamIdPattern = (category: string) => new RegExp(`^${category}-[A-Za-z0-9._:@-]{1,400}$`);

export function defineEvent<const Type extends string, Data extends z.ZodType>(definition: {
  type: Type;
  producer: ServiceName;
  category: string;
  schemaVersion: number;
  data: Data;
}): EventContract<Type, Data> {
  const { type, producer, category, schemaVersion, data } = definition;
  if (!/^[A-Z][A-Za-z0-9]+$/.test(type)) throw new Error(`event type "${type}" must be PascalCase`);
  if (!serviceNames.includes(producer)) throw new Error(`${type}: producer "${producer}" is not a service`);
  if (!STREAM_CATEGORY.test(category)) throw new Error(`stream category "${category}" must be camelCase`);
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1)
    throw new Error(`${type}: schemaVersion must be a positive integer`);
  const envelope = z.strictObject({
    id: UuidV7,
    type: z.literal(type),
    schemaVersion: z.literal(schemaVersion),
    occurredAt: Instant,
    streamId: z
      .string()
      .regex(streamIdPattern(category), { message: `must be a "${category}-<id>" stream name` }),
    tenantId: TenantId,
    correlationId: z
      .string()
      .regex(CORRELATION_ID, { message: 'must be 1–128 characters of [A-Za-z0-9._:-]' }),
    causationId: z
      .string()
      .regex(CORRELATION_ID, { message: 'must be 1–128 characters of [A-Za-z0-9._:-]' })
      .nullable(),
    traceparent: z.string().regex(TRACEPARENT, { message: 'must be a W3C traceparent' }).nullable(),
    data,
  }) as unknown as z.ZodType<EventEnvelope<Type, z.output<Data>>>;
  return {
    kind: 'event',
    type,
    producer,
    category,
    schemaVersion,
    subject: `evt.${category}.${type}`,
    data,
    envelope,
    personalDataPaths: personalDataPaths(data),
    parse(value) {
      const result = envelope.safeParse(value, { error: contractErrorMap });
      if (!result.success) throw new ContractViolationError(type, toContractIssues(result.error));
      return result.data;
    },
    is(event): event is EventEnvelope<Type, z.output<Data>> {
      return event.type === type;
    },
  };
}

export interface EventCause {
  readonly id: string;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/**
 * Builds and validates a new event. A cause (the event or request that led to it) carries
 * its correlation id and trace forward, and becomes the causation id.
 */
export function createEvent<Contract extends EventContract>(
  contract: Contract,
  input: {
    streamId: string;
    tenantId: string;
    data: z.input<Contract['data']>;
    cause?: EventCause;
    correlationId?: string;
    traceparent?: string | null;
    occurredAt?: Date;
    id?: string;
  },
): EventOf<Contract> {
  const id = input.id ?? newUuidV7();
  return contract.parse({
    id,
    type: contract.type,
    schemaVersion: contract.schemaVersion,
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    streamId: input.streamId,
    tenantId: input.tenantId,
    correlationId: input.cause?.correlationId ?? input.correlationId ?? id,
    causationId: input.cause?.id ?? null,
    traceparent: input.cause?.traceparent ?? input.traceparent ?? null,
    data: input.data,
  }) as EventOf<Contract>;
}

export interface CommandContract<
  Name extends string = string,
  Request extends z.ZodType = z.ZodType,
  Response extends z.ZodType = z.ZodType,
> {
  readonly kind: 'command';
  readonly name: Name;
  /** The service that answers it: the writer of the streams it records facts in. */
  readonly service: string;
  readonly action: string;
  /** The services that send it; their NATS users alone may publish on its subject. */
  readonly sentBy: readonly ServiceName[];
  readonly schemaVersion: number;
  /** NATS request/reply subject, derived: `cmd.<service>.<action>`. */
  readonly subject: string;
  readonly request: Request;
  readonly response: Response;
  readonly personalDataPaths: readonly string[];
  parseRequest(value: unknown): z.output<Request>;
  parseResponse(value: unknown): z.output<Response>;
}

export function defineCommand<
  const Name extends string,
  Request extends z.ZodType,
  Response extends z.ZodType,
>(definition: {
  name: Name;
  service: string;
  action: string;
  sentBy: readonly ServiceName[];
  schemaVersion: number;
  request: Request;
  response: Response;
}): CommandContract<Name, Request, Response> {
  const { name, service, action, sentBy, schemaVersion, request, response } = definition;
  if (!/^[a-z][a-z0-9-]*$/.test(service) || !/^[a-z][a-z0-9-]*$/.test(action)) {
    throw new Error(`${name}: service and action must be kebab-case subject tokens`);
  }
  const unknownSender = sentBy.find((sender) => !serviceNames.includes(sender));
  if (sentBy.length === 0 || unknownSender !== undefined)
    throw new Error(`${name}: sentBy must list the services that send it ("${unknownSender}" is not one)`);
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1)
    throw new Error(`${name}: schemaVersion must be a positive integer`);
  const parseWith =
    <Schema extends z.ZodType>(schema: Schema, label: string) =>
    (value: unknown) => {
      const result = schema.safeParse(value, { error: contractErrorMap });
      if (!result.success) throw new ContractViolationError(label, toContractIssues(result.error));
      return result.data as z.output<Schema>;
    };
  return {
    kind: 'command',
    name,
    service,
    action,
    sentBy,
    schemaVersion,
    subject: `cmd.${service}.${action}`,
    request,
    response,
    personalDataPaths: personalDataPaths(request),
    parseRequest: parseWith(request, `${name} request`),
    parseResponse: parseWith(response, `${name} response`),
  };
}

import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type WritePacket,
} from '@nestjs/microservices';
import {
  ContractViolationError,
  UnknownEventTypeError,
  eventContractsByType,
  parseEvent,
  type CommandContract,
  type EventContract,
  type EventEnvelope,
} from '@scheduler/contracts';
import { assertBackoffSettings, backoffDelay, type BackoffSettings } from '@scheduler/resilience';
import { IntrinsicException } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { NotAContractPatternError } from '../errors.js';
import { natsConnectOptions, type BusConnectionOptions } from '../connection-options.js';
import { BusMetrics } from '../metrics.js';
import {
  busNames,
  commandSubject,
  deadLetterSubject,
  durableName,
  eventSubject,
  type BusNames,
} from '../naming.js';
import { checkBusStreamsAtStart, type EventStreamLimits } from '../streams/stream-setup.js';
import { BusHeaders } from '../wire.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { describeError, publishDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { JetStreamContext, NatsCommandContext } from './jetstream-context.js';
import { handlerFailure, isCommandContract, isEventContract } from './patterns.js';

/**
 * Opens a received catalogue event: the personal-data codec decrypts its sealed fields, upcasts
 * and validates it. A ContractViolationError or UnknownEventTypeError dead-letters the message;
 * any other error (the key store is down) is transient and the message is redelivered.
 */
export type EventOpener = (raw: unknown) => Promise<EventEnvelope>;

export interface JetStreamServerOptions extends BusConnectionOptions {
  readonly names?: BusNames;
  /** The group of handlers declared without one; also the queue group of command handlers. */
  readonly defaultGroup: string;
  /** Messages a group handles at the same time. */
  readonly concurrency?: number;
  /** Deliveries before a failing message is termed and dead-lettered. */
  readonly maxDeliveries?: number;
  /**
   * The nak delay after a failed delivery: the one backoff formula with these settings, the
   * delivery count as its attempt. Default: 1 s, doubling, at most 1 min.
   */
  readonly retryDelay?: BackoffSettings;
  /** Default 10 s; see DEFAULT_ACK_WAIT_MS. */
  readonly ackWaitMs?: number;
  /**
   * Check the bus's streams at start-up (against these limits when an object): create the
   * missing ones, warn about existing ones whose settings differ, and leave those as they are.
   */
  readonly checkStreams?: boolean | Partial<EventStreamLimits>;
  readonly metrics?: BusMetrics;
  readonly connectionName?: string;
  /** Opens catalogue events before validation; without it they are parsed as they are (nothing sealed). */
  readonly openEvent?: EventOpener;
}

interface HandlerGroup {
  readonly name: string;
  readonly durable: string;
  readonly subjects: Set<string>;
  messages?: ConsumerMessages;
  loop?: Promise<void>;
}

type Status = 'connected' | 'disconnected' | 'reconnecting' | 'closed';

/**
 * How long a delivered message may go without an ack or a keep-alive before JetStream gives it
 * to another consumer instance. Work in progress is kept alive (working() every third of it),
 * so it only bounds how long the messages of a crashed or drained instance wait: after a
 * SIGKILL the next instance gets them this long later.
 */
const DEFAULT_ACK_WAIT_MS = 10_000;

/**
 * The NestJS server side of the bus: one durable JetStream pull consumer per handler group,
 * explicit ack after the handler succeeds, nak with a growing delay when it throws, term
 * and dead-letter after maxDeliveries, and at once for a payload that fails its contract.
 */
export class JetStreamServer
  extends Server<Record<string, never>, Status>
  implements CustomTransportStrategy
{
  override readonly propagatesEventHandlerErrors = true;
  private readonly names: BusNames;
  private readonly concurrency: number;
  private readonly maxDeliveries: number;
  private readonly retryDelay: BackoffSettings;
  private readonly ackWaitMs: number;
  private readonly metrics: BusMetrics;
  private readonly eventContracts = new Map<string, EventContract>();
  private readonly commandContracts = new Map<string, CommandContract>();
  private readonly groups = new Map<string, HandlerGroup>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly commandSubscriptions: Subscription[] = [];
  private connection?: NatsConnection;
  private jetStream?: JetStreamClient;
  private closing = false;

  constructor(private readonly options: JetStreamServerOptions) {
    super();
    this.names = options.names ?? busNames();
    this.concurrency = options.concurrency ?? 16;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.retryDelay = options.retryDelay ?? { baseDelayMs: 1_000, maxDelayMs: 60_000 };
    assertBackoffSettings(this.retryDelay);
    this.ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.metrics = options.metrics ?? new BusMetrics();
    if (!Number.isInteger(this.maxDeliveries) || this.maxDeliveries < 1) {
      throw new Error(`maxDeliveries must be a positive integer, not ${this.maxDeliveries}`);
    }
    durableName(this.names, options.defaultGroup);
  }

  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    if (isEventContract(pattern)) {
      const subject = eventSubject(this.names, pattern);
      const groupName = typeof extras.group === 'string' ? extras.group : this.options.defaultGroup;
      const existing = this.eventContracts.get(subject);
      if (existing && existing !== pattern) throw new Error(`two contracts claim the subject ${subject}`);
      this.eventContracts.set(subject, pattern);
      const group = this.groups.get(groupName) ?? {
        name: groupName,
        durable: durableName(this.names, groupName),
        subjects: new Set<string>(),
      };
      group.subjects.add(subject);
      this.groups.set(groupName, group);
      // One handler per subject and group: several in different groups would each need
      // their own copy of the message, which is what separate durables give.
      super.addHandler(`${groupName}|${subject}`, callback, isEventHandler, extras);
      return;
    }
    if (isCommandContract(pattern)) {
      const subject = commandSubject(this.names, pattern);
      this.commandContracts.set(subject, pattern);
      super.addHandler(subject, callback, isEventHandler, extras);
      return;
    }
    throw new NotAContractPatternError(pattern);
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async start(): Promise<void> {
    const connection = await connect(
      natsConnectOptions(
        this.options,
        this.options.connectionName ?? `jetstream-server-${this.options.defaultGroup}`,
      ),
    );
    this.connection = connection;
    this._status$.next('connected');
    void this.watchStatus(connection);
    this.jetStream = jetstream(connection);
    const manager = await jetstreamManager(connection);
    if (this.options.checkStreams) {
      await checkBusStreamsAtStart(
        manager,
        this.names,
        typeof this.options.checkStreams === 'object' ? this.options.checkStreams : {},
        { warn: (message) => this.logger.warn?.(message), metrics: this.metrics },
      );
    }
    for (const group of this.groups.values()) {
      await this.ensureConsumer(manager, group, connection);
      const consumer = await this.jetStream.consumers.get(this.names.eventStream, group.durable);
      // A small buffer: a pulled message's ack_wait runs while it waits here, so a large one would
      // expire messages before a handler even starts them and get them redelivered.
      group.messages = await consumer.consume({ max_messages: Math.max(this.concurrency * 2, 2) });
      group.loop = this.consumeLoop(group, group.messages);
    }
    for (const [subject, contract] of this.commandContracts) {
      this.commandSubscriptions.push(
        connection.subscribe(subject, {
          queue: this.options.defaultGroup,
          callback: (error, message) => {
            if (!error) this.handleCommand(contract, subject, message);
          },
        }),
      );
    }
  }

  private async ensureConsumer(manager: JetStreamManager, group: HandlerGroup, connection: NatsConnection) {
    const config: Partial<ConsumerConfig> = {
      durable_name: group.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      // The transport dead-letters at maxDeliveries; the server's own limit is a backstop
      // that must stay above it, or the last delivery would never reach dead-letter.
      max_deliver: this.maxDeliveries + 2,
      max_ack_pending: Math.max(this.concurrency * 8, 256),
      ...consumerFilter([...group.subjects], this.names, supportsMultipleFilters(connection)),
    };
    const existing = await manager.consumers
      .info(this.names.eventStream, group.durable)
      .catch(() => undefined);
    if (existing) await manager.consumers.update(this.names.eventStream, group.durable, config);
    else await manager.consumers.add(this.names.eventStream, config);
  }

  private async consumeLoop(group: HandlerGroup, messages: ConsumerMessages): Promise<void> {
    const limit = new ConcurrencyLimit(this.concurrency);
    // Events of one event-store stream are handled one after another, in order.
    const lanes = new Map<string, Promise<void>>();
    for await (const message of messages) {
      // Waiting for a slot or behind its lane counts against ack_wait too: keep it alive.
      const keepAlive = setInterval(() => message.working(), Math.max(500, this.ackWaitMs / 3));
      const acquired = !this.closing && (await limit.acquire(), true);
      if (this.closing) {
        // Shutting down: leave it unacked; it is redelivered after ack_wait. (A nak here made
        // nats-server 2.9 redeliver the wrong message twice and lose track of this one.)
        clearInterval(keepAlive);
        if (acquired) limit.release();
        continue;
      }
      const lane = message.headers?.get(BusHeaders.streamId) || message.subject;
      const previous = lanes.get(lane) ?? Promise.resolve();
      const task: Promise<void> = previous
        .then(() => this.processMessage(group, message))
        .catch((error: unknown) => this.logger.error(`unexpected failure handling ${message.subject}`, error))
        .finally(() => {
          clearInterval(keepAlive);
          limit.release();
          if (lanes.get(lane) === task) lanes.delete(lane);
          this.inFlight.delete(task);
        });
      lanes.set(lane, task);
      this.inFlight.add(task);
    }
  }

  private async processMessage(group: HandlerGroup, message: JsMsg): Promise<void> {
    const deliveryCount = message.info.deliveryCount;
    if (deliveryCount > 1) this.metrics.consumerRedeliveries.inc({ group: group.name });
    const contract = this.eventContracts.get(message.subject);
    const handler = group.subjects.has(message.subject)
      ? this.getHandlerByPattern(`${group.name}|${message.subject}`)
      : null;
    if (!contract || !handler) {
      // A wider filter than this group needs (nats-server 2.9 has one filter per consumer).
      message.ack();
      return;
    }
    if (deliveryCount > this.maxDeliveries) {
      // Earlier deliveries ended without a verdict: the process died or the ack was lost.
      await this.deadLetter(
        group,
        message,
        'max-deliveries',
        new Error('delivered more than maxDeliveries times without an ack'),
      );
      return;
    }
    let envelope: EventEnvelope;
    try {
      envelope = await decodeEnvelope(contract, message.data, this.options.openEvent);
    } catch (error) {
      if (isContractError(error)) {
        await this.deadLetter(group, message, 'invalid-payload', error);
      } else {
        // Could not open it now (the key store is unreachable): the payload itself may be fine.
        this.retryLater(group, message, deliveryCount, error);
      }
      return;
    }
    try {
      await this.runHandler(handler, envelope, new JetStreamContext([message, group.durable]));
      message.ack();
      this.metrics.consumerHandled.inc({ group: group.name, outcome: 'acked' });
      // Ids only, never data: one line per handled event carries the journey's correlation id.
      this.logger.log?.({
        message: 'event handled',
        consumer: group.durable,
        eventType: envelope.type,
        eventId: envelope.id,
        streamId: envelope.streamId,
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        deliveryCount,
      });
    } catch (error) {
      if (deliveryCount >= this.maxDeliveries) {
        await this.deadLetter(group, message, 'max-deliveries', error);
      } else {
        this.retryLater(group, message, deliveryCount, error);
      }
    }
  }

  private retryLater(group: HandlerGroup, message: JsMsg, deliveryCount: number, error: unknown): void {
    const delayMs = backoffDelay(deliveryCount, this.retryDelay);
    message.nak(delayMs);
    this.metrics.consumerHandled.inc({ group: group.name, outcome: 'nakked' });
    const where = `${group.durable}: ${message.subject} #${message.info.streamSequence}`;
    // A handler signals an expected, transient wait with an IntrinsicException (Nest's own
    // "not an error" marker): it is worth a debug line, not a warning on every redelivery.
    if (error instanceof IntrinsicException)
      this.logger.debug?.(
        `${where} waits (delivery ${deliveryCount}, again in ${delayMs} ms): ${error.message}`,
      );
    else this.logger.warn?.(`${where} failed on delivery ${deliveryCount}: ${describeError(error).message}`);
  }

  private async runHandler(handler: MessageHandler, envelope: EventEnvelope, context: JetStreamContext) {
    const failure: { error?: unknown } = {};
    try {
      await handlerFailure.run(failure, () =>
        this.runWithProcessingHooks(context, async (runEndHook) => {
          const result: unknown = await handler(envelope, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          runEndHook();
        }),
      );
    } catch (error) {
      // Prefer the handler's own error over the filtered "Internal server error".
      throw failure.error ?? error;
    }
  }

  /** Dead-letter first, then term: a crash in between re-delivers, and the copy is deduplicated. */
  private async deadLetter(group: HandlerGroup, message: JsMsg, reason: DeadLetterReason, error: unknown) {
    await publishDeadLetter(
      this.jetStream!,
      deadLetterSubject(this.names, group.durable),
      message,
      reason,
      error,
    );
    // No term reason: nats-server 2.9 ignores "+TERM <reason>"; the dead letter carries it.
    message.term();
    this.metrics.deadLettered.inc({ group: group.name, reason });
    this.metrics.consumerHandled.inc({ group: group.name, outcome: 'dead-lettered' });
    this.logger.error(
      `${group.durable}: ${message.subject} #${message.info.streamSequence} dead-lettered (${reason}) after ${message.info.deliveryCount} deliveries: ${describeError(error).message}`,
    );
  }

  private handleCommand(contract: CommandContract, subject: string, message: Msg): void {
    const reply = (body: unknown) => {
      if (message.reply) message.respond(JSON.stringify(body));
    };
    let request: unknown;
    try {
      request = contract.parseRequest(JSON.parse(message.string()));
    } catch (error) {
      reply({ error: describeError(error) });
      return;
    }
    const handler = this.getHandlerByPattern(subject);
    if (!handler) {
      reply({ error: { name: 'NoHandler', message: `no handler for ${subject}` } });
      return;
    }
    let replied = false;
    const respond = (packet: WritePacket) => {
      if (replied) return;
      if (packet.err !== undefined && packet.err !== null) {
        replied = true;
        reply({ error: describeError(packet.err) });
      } else if (packet.response !== undefined) {
        replied = true;
        try {
          reply({ response: contract.parseResponse(packet.response) });
        } catch (error) {
          reply({ error: describeError(error) });
        }
      } else if (packet.isDisposed) {
        replied = true;
        reply({ error: { name: 'NoResponse', message: `${subject} handler completed without a response` } });
      }
    };
    const context = new NatsCommandContext([message]);
    this.handleRequest(
      context,
      async () => this.transformToObservable(await handler(request, context)),
      respond,
    );
  }

  private async watchStatus(connection: NatsConnection) {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this._status$.next('disconnected');
      else if (status.type === 'reconnecting') this._status$.next('reconnecting');
      else if (status.type === 'reconnect') this._status$.next('connected');
    }
  }

  /** Graceful: stop pulling, let in-flight handlers finish and ack, then drain the connection. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const subscription of this.commandSubscriptions) subscription.unsubscribe();
    await Promise.all([...this.groups.values()].map((group) => group.messages?.close()));
    await Promise.all([...this.groups.values()].map((group) => group.loop));
    await Promise.allSettled([...this.inFlight]);
    if (this.connection && !this.connection.isClosed()) await this.connection.drain();
    this._status$.next('closed');
  }

  on(): never {
    throw new Error('JetStreamServer has no events to listen to; subscribe to status instead');
  }

  unwrap<T>(): T {
    if (!this.connection) throw new Error('JetStreamServer is not listening yet');
    return this.connection as T;
  }
}

const isContractError = (error: unknown) =>
  error instanceof ContractViolationError || error instanceof UnknownEventTypeError;

/**
 * Validates (and upcasts) a received event with the contract its subject belongs to. Catalogue
 * events are opened by `open` when given (sealed personal data); other contracts (tests,
 * extensions) validate as they are.
 */
export async function decodeEnvelope(
  contract: EventContract,
  data: Uint8Array,
  open?: EventOpener,
): Promise<EventEnvelope> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    throw new ContractViolationError(contract.type, [
      {
        path: '(root)',
        message: `is not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
  }
  if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type !== contract.type) {
    throw new ContractViolationError(contract.type, [
      { path: 'type', message: `must be "${contract.type}" on this subject` },
    ]);
  }
  if (eventContractsByType.get(contract.type) !== contract) return contract.parse(raw);
  return open ? open(raw) : parseEvent(raw);
}

function supportsMultipleFilters(connection: NatsConnection): boolean {
  const [major = 0, minor = 0] = (connection.info?.version ?? '0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

/** The narrowest filter nats-server can apply for a group's subjects. */
export function consumerFilter(
  subjects: readonly string[],
  names: BusNames,
  multipleFilters: boolean,
): Pick<ConsumerConfig, 'filter_subject' | 'filter_subjects'> {
  const sorted = [...subjects].sort();
  if (sorted.length === 1) return { filter_subject: sorted[0]! };
  if (multipleFilters) return { filter_subjects: sorted };
  const parents = new Set(sorted.map((subject) => subject.slice(0, subject.lastIndexOf('.'))));
  if (parents.size === 1) return { filter_subject: `${[...parents][0]!}.*` };
  return { filter_subject: names.prefix ? `${names.prefix}.evt.>` : 'evt.>' };
}

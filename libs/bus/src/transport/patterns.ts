import { AsyncLocalStorage } from 'node:async_hooks';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { CommandContract, EventContract } from '@scheduler/contracts';

/**
 * Nest's exception filter turns a handler's error into `{ status, message: 'Internal server
 * error' }` before the transport sees it. The dead letter needs the real error, so @OnEvent
 * records it here on its way out.
 */
export const handlerFailure = new AsyncLocalStorage<{ error?: unknown }>();

function recordingFailures(): MethodDecorator {
  return (_target, _key, descriptor) => {
    const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') return descriptor;
    const wrapped = async function (this: unknown, ...args: unknown[]) {
      try {
        return await original.apply(this, args);
      } catch (error) {
        const slot = handlerFailure.getStore();
        if (slot) slot.error = error;
        throw error;
      }
    };
    // Keep what decorators below this one (guards, pipes, interceptors) attached.
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    (descriptor as { value: unknown }).value = wrapped;
    return descriptor;
  };
}

export interface OnEventOptions {
  /**
   * The handler group: one durable JetStream consumer per group. Handlers in one group
   * share its retries, concurrency limit and dead-letter subject.
   */
  readonly group?: string;
}

/**
 * `@OnEvent(MeetingRequested)`: the handler receives the event already validated by the
 * contract (and upcast), typed as `EventOf<typeof MeetingRequested>`. It is
 * `@EventPattern(MeetingRequested, { group })` plus one thing: a dead letter records the
 * handler's own error, where plain @EventPattern only yields Nest's filtered message.
 */
export function OnEvent(contract: EventContract, options: OnEventOptions = {}): MethodDecorator {
  const pattern = EventPattern(contract, options.group ? { group: options.group } : {});
  const record = recordingFailures();
  return (target, key, descriptor) => {
    record(target, key, descriptor);
    return pattern(target, key, descriptor);
  };
}

/** `@OnCommand(ExchangeGoogleAuthorizationCode)`: request/reply on `cmd.<service>.<action>`. */
export function OnCommand(contract: CommandContract): MethodDecorator {
  return MessagePattern(contract);
}

export function isEventContract(value: unknown): value is EventContract {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'event' &&
    typeof (value as { subject?: unknown }).subject === 'string' &&
    typeof (value as { parse?: unknown }).parse === 'function'
  );
}

export function isCommandContract(value: unknown): value is CommandContract {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'command' &&
    typeof (value as { subject?: unknown }).subject === 'string' &&
    typeof (value as { parseRequest?: unknown }).parseRequest === 'function'
  );
}

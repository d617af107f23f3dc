import { jetstream, type JetStreamClient as NatsJetStreamClient, type PubAck } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { CommandContract, EventEnvelope, RequestOf, ResponseOf } from '@scheduler/contracts';
import { firstValueFrom } from 'rxjs';
import {
  CommandFailedError,
  CommandUnansweredError,
  NotAContractPatternError,
  PublishFailedError,
} from '../errors.js';
import { natsConnectOptions, type BusConnectionOptions } from '../connection-options.js';
import { busNames, commandSubject, eventSubject, type BusNames } from '../naming.js';
import { encodeEnvelope, envelopeHeaders } from '../wire.js';
import { isCommandContract, isEventContract } from './patterns.js';

export interface JetStreamClientOptions extends BusConnectionOptions {
  readonly names?: BusNames;
  readonly requestTimeoutMs?: number;
  readonly connectionName?: string;
}

/**
 * Sends a command and resolves with its validated response. Rejects with CommandFailedError
 * (the handler answered with an error), CommandUnansweredError (no answer) or
 * ContractViolationError (the request, or the answer, breaks the contract).
 */
export async function sendCommand<Contract extends CommandContract>(
  client: Pick<ClientProxy, 'send'>,
  contract: Contract,
  request: RequestOf<Contract>,
): Promise<ResponseOf<Contract>> {
  return contract.parseResponse(await firstValueFrom(client.send(contract, request))) as ResponseOf<Contract>;
}

/**
 * The NestJS client side: `emit(SomeEvent, envelope)` validates and publishes to JetStream
 * with Nats-Msg-Id = event id and resolves with the PubAck; `send(SomeCommand, request)`
 * is request/reply on the command's subject, both ends validated by the contract.
 *
 * Services publish their own events through the event store and the relay, not here:
 * emit is for tools, tests and events no aggregate owns.
 */
export class JetStreamClient extends ClientProxy {
  private readonly names: BusNames;
  private connection?: Promise<NatsConnection>;
  private jetStream?: NatsJetStreamClient;

  constructor(private readonly options: JetStreamClientOptions) {
    super();
    this.names = options.names ?? busNames();
  }

  connect(): Promise<NatsConnection> {
    this.connection ??= connect(
      natsConnectOptions(this.options, this.options.connectionName ?? 'jetstream-client'),
    ).then((connection) => {
      this.jetStream = jetstream(connection);
      return connection;
    });
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    if (connection && !connection.isClosed()) await connection.drain();
  }

  unwrap<T>(): T {
    if (!this.connection) throw new Error('JetStreamClient is not connected yet');
    return this.connection as T;
  }

  protected async dispatchEvent<T = PubAck>(packet: ReadPacket): Promise<T> {
    const contract = packet.pattern as unknown;
    if (!isEventContract(contract)) throw new NotAContractPatternError(contract);
    const envelope: EventEnvelope = contract.parse(packet.data);
    const subject = eventSubject(this.names, contract);
    await this.connect();
    try {
      const ack = await this.jetStream!.publish(subject, encodeEnvelope(envelope), {
        msgID: envelope.id,
        headers: envelopeHeaders(envelope),
      });
      return ack as T;
    } catch (error) {
      throw new PublishFailedError(subject, envelope.id, error);
    }
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let cancelled = false;
    const run = async () => {
      const contract = packet.pattern as unknown;
      if (!isCommandContract(contract)) throw new NotAContractPatternError(contract);
      const request = contract.parseRequest(packet.data);
      const subject = commandSubject(this.names, contract);
      let reply;
      try {
        const connection = await this.connect();
        reply = await connection.request(subject, JSON.stringify(request), {
          timeout: this.options.requestTimeoutMs ?? 10_000,
        });
      } catch (error) {
        throw new CommandUnansweredError(subject, error);
      }
      const body = reply.json<{ response?: unknown; error?: { message: string } }>();
      if (body.error) throw new CommandFailedError(subject, body.error.message);
      return contract.parseResponse(body.response);
    };
    run().then(
      (response) => {
        if (!cancelled) callback({ response, isDisposed: true });
      },
      (error: unknown) => {
        if (!cancelled) callback({ err: error });
      },
    );
    return () => {
      cancelled = true;
    };
  }
}

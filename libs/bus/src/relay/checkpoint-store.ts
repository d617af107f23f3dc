import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { positionFromString, positionToString, type Position } from '@scheduler/event-store';
import { checkpointSubject, type BusNames } from '../naming.js';

/** Where a relay remembers how far it has published. */
export interface CheckpointStore {
  load(relayName: string): Promise<Position | undefined>;
  save(relayName: string, position: Position): Promise<void>;
}

/**
 * Checkpoints in a JetStream stream that keeps one message per subject (what a KV bucket
 * is underneath, without another client package). The checkpoint lives with the events it
 * describes: if JetStream loses its data, it loses the checkpoint too, and the relay
 * re-publishes from the start of the store, which is the recovery the design asks for.
 */
export class JetStreamCheckpointStore implements CheckpointStore {
  private constructor(
    private readonly names: BusNames,
    private readonly jetStream: JetStreamClient,
    private readonly manager: JetStreamManager,
  ) {}

  static async create(connection: NatsConnection, names: BusNames): Promise<JetStreamCheckpointStore> {
    return new JetStreamCheckpointStore(names, jetstream(connection), await jetstreamManager(connection));
  }

  async load(relayName: string): Promise<Position | undefined> {
    const stored = await this.manager.streams.getMessage(this.names.checkpointStream, {
      last_by_subj: checkpointSubject(this.names, relayName),
    });
    return stored ? positionFromString(stored.string()) : undefined;
  }

  async save(relayName: string, position: Position): Promise<void> {
    await this.jetStream.publish(checkpointSubject(this.names, relayName), positionToString(position));
  }
}

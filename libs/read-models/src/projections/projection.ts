import type { EventFilter, Position, RecordedEvent } from '@scheduler/event-store';
import { positionToString } from '@scheduler/event-store';
import { checkCollectionDefinition } from '../document-store/collection-definition.js';
import { InvalidCollectionDefinitionError } from '../document-store/errors.js';
import type { CollectionDefinition, JsonDocument } from '../document-store/port.js';

/** What `project` returns: the new document, `'delete'`, or `undefined` for "unchanged". */
export type ProjectionResult<TDocument> = TDocument | 'delete' | undefined;

export interface ProjectionDefinition<TDocument extends JsonDocument = JsonDocument> {
  /** Identifies the projection's checkpoints: letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  readonly collection: CollectionDefinition<TDocument>;
  /** Passed to the event store, so unrelated events are never read. */
  readonly filter?: EventFilter;
  /** The document an event belongs to; `undefined` ignores the event. */
  documentId(event: RecordedEvent): string | undefined;
  /**
   * Pure: (document, event) -> document. Must not mutate `document` or touch I/O, because
   * it runs again on redelivery and on every rebuild.
   */
  project(document: TDocument | undefined, event: RecordedEvent): ProjectionResult<TDocument>;
}

const PROJECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function defineProjection<TDocument extends JsonDocument>(
  definition: ProjectionDefinition<TDocument>,
): ProjectionDefinition<TDocument> {
  if (!PROJECTION_NAME.test(definition.name)) {
    throw new InvalidCollectionDefinitionError(
      definition.collection.name,
      `projection name "${definition.name}" must be 1-100 letters, digits, ".", "-" or "_"`,
    );
  }
  checkCollectionDefinition(definition.collection);
  return Object.freeze({ ...definition });
}

/** The projection threw, or produced a document its collection rejects. Deterministic: retrying fails again. */
export class ProjectionFailedError extends Error {
  readonly position: string;
  constructor(
    readonly projection: string,
    readonly eventId: string,
    readonly eventType: string,
    readonly streamId: string,
    position: Position,
    readonly documentId: string,
    cause: unknown,
  ) {
    super(
      `projection ${projection} failed on ${eventType} ${eventId} (stream ${streamId}, position ` +
        `${positionToString(position)}, document ${documentId}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.position = positionToString(position);
    this.name = 'ProjectionFailedError';
  }
}

import type { Position, RecordedEvent } from '@scheduler/event-store';
import { comparePositions } from '@scheduler/event-store';
import { checkDocument, type IndexField } from '../document-store/collection-definition.js';
import type { JsonDocument } from '../document-store/port.js';
import { ProjectionFailedError, type ProjectionDefinition } from './projection.js';

/** A document as a backend loaded it before a batch. */
export interface LoadedDocument {
  readonly version: number;
  readonly document: JsonDocument;
  /** Position of the last event applied to it (the MongoDB guard). */
  readonly lastPosition: Position | undefined;
}

/** The net effect of a batch on one document. */
export interface DocumentChange {
  readonly id: string;
  /** `undefined`: delete. */
  readonly document: JsonDocument | undefined;
  /** The stored version the change was computed from; `undefined` when it was not stored. */
  readonly storedVersion: number | undefined;
  readonly lastPosition: Position;
}

export interface FoldResult {
  readonly changes: DocumentChange[];
  readonly applied: number;
}

/** The distinct documents a batch touches, so a backend loads them in one round trip. */
export function documentIdsOf(
  projection: ProjectionDefinition<JsonDocument>,
  events: readonly RecordedEvent[],
) {
  const ids = new Set<string>();
  for (const event of events) {
    const id = projection.documentId(event);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/**
 * Runs a batch of events through the projection in memory, one document state per id, and
 * returns the net change per document. With `guardByDocumentPosition`, events at or below
 * a document's last position are skipped (redelivery with no transactional checkpoint).
 */
export function foldEvents(
  projection: ProjectionDefinition<JsonDocument>,
  indexes: readonly IndexField[],
  loaded: ReadonlyMap<string, LoadedDocument>,
  events: readonly RecordedEvent[],
  guardByDocumentPosition: boolean,
): FoldResult {
  const working = new Map<
    string,
    { document: JsonDocument | undefined; lastPosition: Position | undefined }
  >();
  const touched = new Map<string, Position>();
  let applied = 0;
  for (const event of events) {
    const id = projection.documentId(event);
    if (id === undefined) continue;
    let state = working.get(id);
    if (!state) {
      const stored = loaded.get(id);
      state = { document: stored?.document, lastPosition: stored?.lastPosition };
      working.set(id, state);
    }
    if (
      guardByDocumentPosition &&
      state.lastPosition !== undefined &&
      comparePositions(event.position, state.lastPosition) <= 0
    ) {
      continue;
    }
    let result: JsonDocument | 'delete' | undefined;
    try {
      result = projection.project(state.document, event);
      if (result !== undefined && result !== 'delete') {
        result = checkDocument(projection.collection, indexes, id, result);
      }
    } catch (error) {
      throw new ProjectionFailedError(
        projection.name,
        event.id,
        event.type,
        event.streamId,
        event.position,
        id,
        error,
      );
    }
    applied++;
    if (result === undefined) continue;
    if (result === 'delete' && state.document === undefined) continue;
    state.document = result === 'delete' ? undefined : result;
    state.lastPosition = event.position;
    touched.set(id, event.position);
  }
  const changes: DocumentChange[] = [];
  for (const [id, lastPosition] of touched) {
    const stored = loaded.get(id);
    const document = working.get(id)!.document;
    if (document === undefined && stored === undefined) continue;
    changes.push({ id, document, storedVersion: stored?.version, lastPosition });
  }
  return { changes, applied };
}

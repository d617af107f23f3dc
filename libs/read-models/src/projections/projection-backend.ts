import type { Position, RecordedEvent } from '@scheduler/event-store';
import type { JsonDocument } from '../document-store/port.js';
import type { ProjectionDefinition } from './projection.js';

/** A generation being rebuilt from position 0; not visible to queries until swapped in. */
export interface RebuildTarget {
  readonly generation: number;
}

/** Where a batch goes: the generation queries see, or one being rebuilt. */
export type ProjectionTarget = 'live' | RebuildTarget;

export interface AppliedBatch {
  /** Events run through the projection (not skipped as already applied). */
  readonly applied: number;
  /** The checkpoint after the batch. */
  readonly checkpoint: Position;
}

/** Applies one batch of events, with the catch-up that must run inside the swap. */
export type ApplyBatch = (events: readonly RecordedEvent[], through: Position) => Promise<AppliedBatch>;

/**
 * What the projection runner needs from a read-model backend. Each adapter keeps its
 * checkpoint as close to the document change as it can: PostgreSQL in the same
 * transaction, MongoDB with a per-document last-position guard.
 */
export interface ProjectionBackend {
  readCheckpoint(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
  ): Promise<Position | undefined>;
  /**
   * Applies the events strictly after the stored checkpoint and moves the checkpoint to
   * `through` (>= the last event; a filtered subscription may report a later position).
   * Applying the same events again changes nothing.
   */
  applyBatch(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
    events: readonly RecordedEvent[],
    through: Position,
  ): Promise<AppliedBatch>;
  /** Creates an empty generation; a leftover unfinished rebuild is discarded. */
  beginRebuild(projection: ProjectionDefinition<JsonDocument>): Promise<RebuildTarget>;
  /**
   * Makes the rebuilt generation the live one. `catchUp` runs while live batches are held
   * off and must apply every event after the given position; then the swap happens atomically.
   */
  completeRebuild(
    projection: ProjectionDefinition<JsonDocument>,
    target: RebuildTarget,
    catchUp: (apply: ApplyBatch, after: Position | undefined) => Promise<void>,
  ): Promise<void>;
}

import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import {
  type DocumentCollection,
  type ProjectionStore,
  type StoredDocument,
  VersionConflictError,
} from '@scheduler/read-models';
import { READ_MODEL_STORE } from '../read-models/read-model-store.module.js';

/**
 * Which meeting holds a calendar event, shared by every gateway replica. `claimed`: its
 * MeetingRequested may not be appended yet (the claimer may have crashed in between);
 * `requested`: it was appended.
 */
export const MeetingClaim = z.strictObject({
  meetingId: z.string(),
  state: z.enum(['claimed', 'requested']),
  claimedAt: z.string(),
});
export type MeetingClaim = z.infer<typeof MeetingClaim>;
export type StoredMeetingClaim = StoredDocument<MeetingClaim>;

/** The user's calendar event a meeting is added to. */
export interface ClaimedCalendarEvent {
  readonly tenantId: string;
  readonly userId: string;
  readonly calendarId: string;
  readonly eventId: string;
}

/** Declared as a plain collection (not a projection): claims are written by requests, never rebuilt. */
export const meetingClaimsCollection = {
  name: 'meeting_claims',
  indexes: { meetingId: 'string' },
  schema: MeetingClaim,
} as const;

/**
 * The claim's id: a digest, so the claim holds no personal data (calendar ids are e-mail
 * addresses) and any calendar or event id fits the stores' id rules.
 */
export const claimIdOf = (target: ClaimedCalendarEvent): string =>
  createHash('sha256')
    .update(JSON.stringify([target.tenantId, target.userId, target.calendarId, target.eventId]))
    .digest('hex');

/**
 * Claims on calendar events in the gateway's read-model store. Writes are insert-if-absent or
 * compare-and-set on the document version (the store's contract on both backends), so two
 * replicas can never both hold the same event.
 */
@Injectable()
export class MeetingClaims implements OnModuleInit {
  private collection: DocumentCollection<MeetingClaim> | undefined;

  constructor(@Inject(READ_MODEL_STORE) private readonly store: ProjectionStore) {}

  async onModuleInit(): Promise<void> {
    this.collection = await this.store.collection(meetingClaimsCollection);
  }

  async current(target: ClaimedCalendarEvent): Promise<StoredMeetingClaim | undefined> {
    return this.claims().get(claimIdOf(target));
  }

  /**
   * Claims the event for `meetingId`: the first claim when `replacing` is undefined, otherwise in
   * place of exactly that version. Undefined when another request changed the claim first.
   */
  async claim(
    target: ClaimedCalendarEvent,
    meetingId: string,
    replacing: StoredMeetingClaim | undefined,
  ): Promise<StoredMeetingClaim | undefined> {
    return this.write(
      target,
      { meetingId, state: 'claimed', claimedAt: new Date().toISOString() },
      replacing?.version ?? 'absent',
    );
  }

  /** Records that the claim's MeetingRequested is in the store; a claim changed since is left alone. */
  async confirm(target: ClaimedCalendarEvent, claim: StoredMeetingClaim): Promise<void> {
    if (claim.document.state === 'requested') return;
    await this.write(target, { ...claim.document, state: 'requested' }, claim.version);
  }

  private async write(
    target: ClaimedCalendarEvent,
    claim: MeetingClaim,
    expectedVersion: number | 'absent',
  ): Promise<StoredMeetingClaim | undefined> {
    try {
      return await this.claims().upsert(claimIdOf(target), claim, { expectedVersion });
    } catch (error) {
      if (error instanceof VersionConflictError) return undefined;
      throw error;
    }
  }

  private claims(): DocumentCollection<MeetingClaim> {
    if (!this.collection) throw new Error('the meeting claims are not initialised yet');
    return this.collection;
  }
}

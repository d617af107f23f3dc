import { Injectable } from '@nestjs/common';
import type { Principal } from '../authentication/identity-verifier.js';
import { GatewayReadModel } from '../read-models/gateway-projection.js';
import { activeMeetingStatuses, type MeetingView, meetingsProjection } from './meetings-projection.js';

const MAXIMUM_MEETINGS_PER_EVENT = 100;

/**
 * The gateway's meetings read model: answers queries, always scoped to the caller's tenant
 * and user. A document of another user is indistinguishable from a missing one.
 */
@Injectable()
export class MeetingsReadModel extends GatewayReadModel<MeetingView> {
  protected readonly projection = meetingsProjection;
  // Titles are stored sealed; the projection sees them opened (or redacted, once forgotten).
  protected readonly label = 'meetings';

  /** The caller's meeting, or undefined (also when it belongs to someone else). */
  async meetingOf(principal: Principal, meetingId: string): Promise<MeetingView | undefined> {
    const stored = await this.documents().get(meetingId);
    const view = stored?.document;
    return view && view.tenantId === principal.tenantId && view.userId === principal.userId
      ? view
      : undefined;
  }

  /** The caller's meetings on one calendar event, newest first. */
  async meetingsOnEvent(principal: Principal, calendarId: string, eventId: string): Promise<MeetingView[]> {
    const found = await this.documents().find({
      where: { tenantId: principal.tenantId, userId: principal.userId, calendarId, eventId },
      limit: MAXIMUM_MEETINGS_PER_EVENT,
    });
    // Meeting ids are UUIDv7, so id order is request order.
    return found.map((stored) => stored.document).reverse();
  }

  /** The caller's meeting on the event that is still live or being created, if any. */
  async activeMeetingOnEvent(
    principal: Principal,
    calendarId: string,
    eventId: string,
  ): Promise<MeetingView | undefined> {
    const [active] = await this.documents().find({
      where: {
        tenantId: principal.tenantId,
        userId: principal.userId,
        calendarId,
        eventId,
        status: { in: activeMeetingStatuses },
      },
      limit: 1,
    });
    return active?.document;
  }
}

import { Injectable } from '@nestjs/common';
import type { Principal } from '../authentication/identity-verifier.js';
import { GatewayReadModel } from '../read-models/gateway-projection.js';
import {
  activeMeetingStatuses,
  type MeetingStatus,
  type MeetingView,
  meetingStatuses,
  meetingsProjection,
} from './meetings-projection.js';

const MAXIMUM_MEETINGS_PER_EVENT = 100;
/** The audit page lists at most this many meetings of one search. */
export const MAXIMUM_AUDIT_RESULTS = 200;

/**
 * The gateway's meetings read model: answers queries, always scoped to the caller's tenant
 * and user. A document of another user is indistinguishable from a missing one. The `tenant…`
 * queries are scoped to a tenant only, for the audit page of its administrators.
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

  /** A meeting of the tenant, whoever's it is (the audit page); undefined for another tenant's. */
  async tenantMeeting(tenantId: string, meetingId: string): Promise<MeetingView | undefined> {
    const view = (await this.documents().get(meetingId))?.document;
    return view?.tenantId === tenantId ? view : undefined;
  }

  /** The tenant's meetings on a calendar event id (any user's calendar), newest first. */
  async tenantMeetingsOnEvent(tenantId: string, eventId: string): Promise<MeetingView[]> {
    const found = await this.documents().find({
      where: { tenantId, eventId },
      limit: MAXIMUM_AUDIT_RESULTS,
    });
    return found.map((stored) => stored.document).reverse();
  }

  /** The tenant's meetings starting in [from, to), earliest first. */
  async tenantMeetingsStarting(tenantId: string, from: string, to: string): Promise<MeetingView[]> {
    const found = await this.documents().find({
      where: { tenantId, start: { gte: from, lt: to } },
      orderBy: { field: 'start' },
      limit: MAXIMUM_AUDIT_RESULTS,
    });
    return found.map((stored) => stored.document);
  }

  /** How many of the tenant's meetings are in each status, counted by the store. */
  async tenantStatusCounts(tenantId: string): Promise<Record<MeetingStatus, number>> {
    const counts = await Promise.all(
      meetingStatuses.map(async (status) => [status, await this.documents().count({ tenantId, status })]),
    );
    return Object.fromEntries(counts) as Record<MeetingStatus, number>;
  }
}

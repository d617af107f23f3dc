import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  MeetingTimelineNotFoundError,
  type MeetingTimeline,
  readMeetingTimeline,
  tenantDeadLetterCount,
} from '@scheduler/audit';
import { busNames } from '@scheduler/bus';
import {
  type DataKeyStore,
  type KeyEncryptionKeyRing,
  PersonalDataCodec,
  SecretBox,
  SubjectKeys,
} from '@scheduler/crypto-shredding';
import type { EventStore } from '@scheduler/event-store';
import {
  DATA_KEY_STORE,
  EVENT_STORE,
  NATS_CONNECTION,
  SERVICE_CONFIG,
  keyEncryptionKeysOf,
} from '@scheduler/runtime';
import type { GatewayConfig } from '../config.js';
import type { MeetingStatus, MeetingView } from '../meetings/meetings-projection.js';
import { MAXIMUM_AUDIT_RESULTS, MeetingsReadModel } from '../meetings/meetings-read-model.js';
import { AuditMeetingNotFoundError } from './audit-page-errors.js';

export type AuditSearch = { readonly q: string } | { readonly date: string };

/**
 * What the audit page shows, always for one tenant: the meetings read model (search, counts by
 * status), the event log (a meeting's timeline, with the admin CLI's own code) and the
 * dead-letter queue (read as the CLI reads it, counted for the tenant).
 */
@Injectable()
export class AuditData {
  private readonly logger = new Logger('AuditPage');
  private readonly keyEncryptionKeys: KeyEncryptionKeyRing;

  constructor(
    private readonly meetings: MeetingsReadModel,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(DATA_KEY_STORE) private readonly dataKeys: DataKeyStore,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.keyEncryptionKeys = keyEncryptionKeysOf(config);
  }

  statusCounts(tenantId: string): Promise<Record<MeetingStatus, number>> {
    return this.meetings.tenantStatusCounts(tenantId);
  }

  /** The tenant's dead letters; undefined (and logged by name) when the queue cannot be read now. */
  async deadLetters(tenantId: string): Promise<number | undefined> {
    try {
      return await tenantDeadLetterCount(this.nats, busNames(this.config.BUS_PREFIX), tenantId);
    } catch (error) {
      this.logger.warn({
        message: 'dead-letter queue unreadable',
        errorName: error instanceof Error ? error.name : typeof error,
      });
      return undefined;
    }
  }

  /** Meetings of the tenant by meeting id or calendar event id, or starting on a UTC day. */
  async search(tenantId: string, search: AuditSearch): Promise<{ meetings: MeetingView[]; capped: boolean }> {
    let meetings: MeetingView[];
    if ('date' in search) {
      const from = new Date(`${search.date}T00:00:00.000Z`);
      const to = new Date(from.getTime() + 86_400_000);
      meetings = await this.meetings.tenantMeetingsStarting(tenantId, from.toISOString(), to.toISOString());
    } else {
      const byId = await this.meetings.tenantMeeting(tenantId, search.q);
      meetings = byId ? [byId] : await this.meetings.tenantMeetingsOnEvent(tenantId, search.q);
    }
    return { meetings, capped: meetings.length >= MAXIMUM_AUDIT_RESULTS };
  }

  /** The meeting's timeline from the log; another tenant's meeting is the same 404 as a missing one. */
  async timeline(
    tenantId: string,
    meetingId: string,
  ): Promise<{ timeline: MeetingTimeline; view: MeetingView | undefined }> {
    // A codec of its own per timeline: the gateway's keeps data keys cached for up to a minute,
    // and an audit must show a purged meeting's fields as redacted as soon as its key is gone.
    const codec = new PersonalDataCodec({
      secretBox: new SecretBox(
        new SubjectKeys({ store: this.dataKeys, keyEncryptionKeys: this.keyEncryptionKeys }),
      ),
    });
    const timeline = await readMeetingTimeline(this.eventStore, codec, meetingId).catch((error: unknown) => {
      if (error instanceof MeetingTimelineNotFoundError) throw new AuditMeetingNotFoundError();
      throw error;
    });
    if (timeline.tenantId !== tenantId) throw new AuditMeetingNotFoundError();
    return { timeline, view: await this.meetings.tenantMeeting(tenantId, meetingId) };
  }
}

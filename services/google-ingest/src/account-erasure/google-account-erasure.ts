import type { ClientProxy } from '@nestjs/microservices';
import { sendCommand } from '@scheduler/bus';
import {
  MeetingCancelled,
  RecordAccountErasureStep,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import { readStreamEvents, type EventStore, type StreamCodec } from '@scheduler/event-store';
import type { ConferenceRemover } from '../conference-removal/conference-remover.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import type { ChannelManager } from '../watch-channels/channel-manager.js';
import type { GoogleErasureRepository } from './account-erasure.repository.js';

export interface GoogleAccountErasureOptions {
  readonly eventStore: EventStore;
  readonly codec: StreamCodec<EventEnvelope>;
  readonly tokens: Pick<GoogleTokenStore, 'lookup' | 'revokeGrant'>;
  readonly channels: Pick<ChannelManager, 'stopWatchesOfDisconnectedAccount'>;
  readonly remover: Pick<ConferenceRemover, 'remove'>;
  readonly repository: Pick<GoogleErasureRepository, 'forgetUser'>;
  /** Sends RecordAccountErasureStep to webex-bridge, the erasure stream's writer. */
  readonly bus: Pick<ClientProxy, 'send'>;
  readonly clock?: () => Date;
  /** Ids and counts only. */
  readonly logger?: { log(details: Record<string, unknown>, message: string): void };
}

export interface ErasureStepTrigger {
  readonly userId: string;
  readonly tenantId: string;
  readonly meetingIds: readonly string[];
  readonly cause: {
    readonly id: string;
    readonly correlationId: string;
    readonly traceparent: string | null;
  };
}

/**
 * google-ingest's part of a user's erasure, after webex-bridge's (whose step names the user's
 * meetings and comes after their cancellations):
 *
 * 1. our conference is taken off the calendar events of the meetings the user cancelled, through
 *    the conference removal (it checks the event first, so one already done is not patched);
 * 2. the watch channels are stopped at Google (`channels.stop`) and recorded stopped;
 * 3. the grant is revoked at Google (`POST /revoke` with the refresh token);
 * 4. every row of the user is deleted;
 * 5. webex-bridge records the step.
 *
 * Each step can be repeated: a crash or a failure anywhere makes the transport redeliver the
 * event and the whole runs again (a revoked grant is `already-invalid`, deleted rows are none).
 */
export class GoogleAccountErasure {
  private readonly clock: () => Date;

  constructor(private readonly options: GoogleAccountErasureOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async erase(trigger: ErasureStepTrigger): Promise<void> {
    const { userId } = trigger;
    const lookup = await this.options.tokens.lookup(userId);
    let conferencesRemoved = 0;
    let channelsStopped = 0;
    if (lookup.state === 'connected') {
      for (const cancelled of await this.userCancellations(trigger.meetingIds)) {
        const { outcome } = await this.options.remover.remove(cancelled);
        if (outcome === 'removed') conferencesRemoved += 1;
      }
      ({ stopped: channelsStopped } = await this.options.channels.stopWatchesOfDisconnectedAccount(
        lookup.account,
        this.clock(),
      ));
    }
    const revocation = await this.options.tokens.revokeGrant(userId);
    await this.options.repository.forgetUser(userId);
    const { outcome } = await sendCommand(this.options.bus, RecordAccountErasureStep, {
      tenantId: trigger.tenantId,
      userId,
      step: 'google-ingest',
      trace: {
        correlationId: trigger.cause.correlationId,
        causationId: trigger.cause.id,
        traceparent: trigger.cause.traceparent,
      },
    });
    this.options.logger?.log(
      { userId, conferencesRemoved, channelsStopped, revocation, outcome },
      'account erasure: google-ingest step done',
    );
  }

  /** The MeetingCancelled{user-request} of each meeting, as the conference removal takes them. */
  private async userCancellations(
    meetingIds: readonly string[],
  ): Promise<EventOf<typeof MeetingCancelled>[]> {
    const found: EventOf<typeof MeetingCancelled>[] = [];
    for (const meetingId of meetingIds) {
      const { events } = await readStreamEvents(
        this.options.eventStore,
        `meeting-${meetingId}`,
        this.options.codec,
      );
      const cancelled = events.filter(MeetingCancelled.is).at(-1);
      if (cancelled?.data.reason === 'user-request') found.push(cancelled);
    }
    return found;
  }
}

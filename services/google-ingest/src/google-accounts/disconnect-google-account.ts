import { type EventEnvelope, newUuidV7 } from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand } from '@scheduler/event-store';
import type { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import type { ChannelManager } from '../watch-channels/channel-manager.js';
import { googleAccountDecider, googleAccountStreamId } from './google-account.decider.js';
import type { DeadGrant } from './google-token-store.js';

export interface DisconnectGoogleAccountOptions {
  readonly eventStore: EventStore;
  /** How the account stream is stored (SEALED_ENVELOPES). */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly channels: Pick<ChannelManager, 'stopWatchesOfDisconnectedAccount'>;
  readonly sync: Pick<CalendarSyncEngine, 'requireFullResync'>;
  /** Pino-compatible; ids and counts only. */
  readonly logger?: { info(details: Record<string, unknown>, message: string): void };
}

export interface DisconnectionReport {
  readonly userId: string;
  readonly recorded: boolean;
  readonly channelsStopped: number;
}

/**
 * What follows a dead Google grant (GoogleTokenStore marked the account
 * reauthorization-required): its calendars are listed in full once the user is back, its watch
 * channels are stopped, and GoogleAccountDisconnected is recorded once. Each step can be
 * repeated without harm, so a retry after a failure repairs what is missing.
 */
export class DisconnectGoogleAccount {
  constructor(private readonly options: DisconnectGoogleAccountOptions) {}

  async disconnect(deadGrant: DeadGrant): Promise<DisconnectionReport> {
    const { account, reason, disconnectedAt } = deadGrant;
    const { userId } = account;
    // First: whatever else fails, the reconnection must not trust the old sync token.
    await this.options.sync.requireFullResync(userId, 'account-reconnected');
    const { stopped } = await this.options.channels.stopWatchesOfDisconnectedAccount(account, disconnectedAt);
    const { newEvents } = await handleCommand(
      this.options.eventStore,
      googleAccountStreamId(userId),
      (state) =>
        googleAccountDecider.decide(
          {
            kind: 'disconnection',
            userId,
            tenantId: account.tenantId,
            correlationId: newUuidV7(),
            occurredAt: disconnectedAt,
            reason,
          },
          state,
        ),
      { ...googleAccountDecider, codec: this.options.codec },
    );
    const report = { userId, recorded: newEvents.length > 0, channelsStopped: stopped };
    this.options.logger?.info({ ...report, reason }, 'Google account disconnected: its grant is dead');
    return report;
  }
}

import { TenantSettingsChanged } from '@scheduler/contracts';
import { type EventStore, StreamNotFoundError } from '@scheduler/event-store';
import type { RetentionPolicy } from './retention-policy.js';

/**
 * A tenant's retention: what its administrators last recorded on `tenant-<tenantId>`
 * (TenantSettingsChanged, written by google-ingest), else the deployment's bootstrap policy
 * (RETENTION_POLICIES, RETENTION_AFTER_END_SECONDS). Read from the event store when an event
 * arms a timer, so a change applies to timers armed from then on.
 */
export class TenantRetention {
  constructor(
    private readonly eventStore: Pick<EventStore, 'readStream'>,
    private readonly bootstrap: RetentionPolicy,
  ) {}

  async secondsAfterEnd(tenantId: string): Promise<number> {
    return (await this.recorded(tenantId)) ?? this.bootstrap.secondsAfterEnd(tenantId);
  }

  /** The tenant's recorded retention; undefined when none is recorded (or it is left to the deployment). */
  private async recorded(tenantId: string): Promise<number | undefined> {
    let events;
    try {
      events = await this.eventStore.readStream(`${TenantSettingsChanged.category}-${tenantId}`, {
        direction: 'backwards',
        maxCount: 1,
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    const last = events[0];
    if (!last || !TenantSettingsChanged.is(last)) return undefined;
    const data = TenantSettingsChanged.data.safeParse(last.data);
    // A tenant event retention cannot read must not shorten anyone's retention: the bootstrap applies.
    return data.success ? (data.data.settings.retentionAfterEndSeconds ?? undefined) : undefined;
  }
}

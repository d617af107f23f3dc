import type { EventStore } from '@scheduler/event-store';
import { recordedTenantSettings } from '@scheduler/runtime';
import type { RetentionPolicy } from './retention-policy.js';

/**
 * A tenant's retention: what its administrators last recorded (TenantSettingsChanged), else the
 * deployment's bootstrap policy (RETENTION_POLICIES, RETENTION_AFTER_END_SECONDS). Read from the
 * event store when an event arms a timer, so a change applies to timers armed from then on.
 */
export class TenantRetention {
  constructor(
    private readonly eventStore: Pick<EventStore, 'readStream'>,
    private readonly bootstrap: RetentionPolicy,
  ) {}

  async secondsAfterEnd(tenantId: string): Promise<number> {
    const settings = await recordedTenantSettings(this.eventStore, tenantId);
    return settings?.retentionAfterEndSeconds ?? this.bootstrap.secondsAfterEnd(tenantId);
  }
}

import { TenantSettingsChanged, type TenantSettings } from '@scheduler/contracts';
import { type EventStore, StreamNotFoundError } from '@scheduler/event-store';

/**
 * The settings a tenant's Workspace administrators recorded last (`tenant-<tenantId>`, written by
 * google-ingest), for the services that follow them (retention's policy, webex-bridge's default
 * template). Undefined while none are recorded, or when the last event cannot be read: the
 * deployment's bootstrap settings then apply.
 */
export async function recordedTenantSettings(
  eventStore: Pick<EventStore, 'readStream'>,
  tenantId: string,
): Promise<TenantSettings | undefined> {
  let events;
  try {
    events = await eventStore.readStream(`${TenantSettingsChanged.category}-${tenantId}`, {
      direction: 'backwards',
      maxCount: 1,
    });
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
  const last = events[0];
  if (!last || last.type !== TenantSettingsChanged.type) return undefined;
  const data = TenantSettingsChanged.data.safeParse(last.data);
  return data.success ? data.data.settings : undefined;
}

import {
  type EventEnvelope,
  TenantSettingsChanged,
  type TenantSettings,
  createEvent,
} from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';

/** `tenant-<tenantId>`: google-ingest is its one writer. */
export const tenantStreamId = (tenantId: string) => `${TenantSettingsChanged.category}-${tenantId}`;

/** An administrator, checked with Google, replaces the tenant's settings. */
export interface ChangeTenantSettings {
  readonly tenantId: string;
  readonly changedBy: string;
  readonly settings: TenantSettings;
  readonly correlationId: string;
  readonly occurredAt: Date;
}

export interface TenantState {
  /** The settings last recorded; undefined while the deployment's defaults apply. */
  readonly settings: TenantSettings | undefined;
}

/**
 * The tenant stream records a change only: settings equal to the last ones recorded append
 * nothing, so a repeated PUT leaves one event in the audit.
 */
export const tenantSettingsDecider: Decider<ChangeTenantSettings, EventEnvelope, TenantState> = {
  initialState: () => ({ settings: undefined }),

  evolve(state, event) {
    if (TenantSettingsChanged.is(event)) return { settings: event.data.settings };
    return state;
  },

  decide(command, state) {
    if (state.settings && sameSettings(state.settings, command.settings)) return [];
    return [
      createEvent(TenantSettingsChanged, {
        streamId: tenantStreamId(command.tenantId),
        tenantId: command.tenantId,
        correlationId: command.correlationId,
        occurredAt: command.occurredAt,
        data: { tenantId: command.tenantId, changedBy: command.changedBy, settings: command.settings },
      }),
    ];
  },
};

/** Equal settings; the list of sites is a set, so its order does not count. */
export function sameSettings(left: TenantSettings, right: TenantSettings): boolean {
  const sites = (settings: TenantSettings) =>
    settings.allowedWebexSites === null ? null : [...new Set(settings.allowedWebexSites)].sort().join(',');
  return (
    left.enabled === right.enabled &&
    left.retentionAfterEndSeconds === right.retentionAfterEndSeconds &&
    left.defaultMeetingTemplateId === right.defaultMeetingTemplateId &&
    sites(left) === sites(right)
  );
}

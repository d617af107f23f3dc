import { z } from 'zod';
import { TenantSettings, TenantSettingsChanged } from '@scheduler/contracts';
import type { RecordedEvent } from '@scheduler/event-store';
import { defineProjection, type ProjectionResult } from '@scheduler/read-models';

/** A tenant's settings as its administrators last recorded them (`tenant-<tenantId>`). */
export const TenantView = z.strictObject({
  tenantId: z.string(),
  settings: TenantSettings,
  /** The administrator who changed them last (Google subject), and when. */
  changedBy: z.string(),
  changedAt: z.string(),
});
export type TenantView = z.infer<typeof TenantView>;

const occurredAt = (event: RecordedEvent): string => {
  const value = event.metadata.occurredAt;
  return typeof value === 'string' ? value : event.recordedAt.toISOString();
};

/** Pure: (tenant view, tenant event) -> tenant view. Each event carries the whole settings. */
export function projectTenant(
  _view: TenantView | undefined,
  event: RecordedEvent,
): ProjectionResult<TenantView> {
  if (!TenantSettingsChanged.is(event)) return undefined;
  const data = TenantSettingsChanged.data.safeParse(event.data);
  if (!data.success) return undefined;
  return {
    tenantId: data.data.tenantId,
    settings: data.data.settings,
    changedBy: data.data.changedBy,
    changedAt: occurredAt(event),
  };
}

/** The gateway's `tenants` read model: one document per tenant that has settings. */
export const tenantsProjection = defineProjection<TenantView>({
  name: 'gateway-tenants',
  collection: { name: 'tenants', indexes: { tenantId: 'string' }, schema: TenantView },
  filter: { categories: [TenantSettingsChanged.category] },
  documentId: (event) => (typeof event.data.tenantId === 'string' ? event.data.tenantId : undefined),
  project: projectTenant,
});

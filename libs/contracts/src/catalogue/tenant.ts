import { z } from 'zod';
import { defineCommand, defineEvent } from '../define.js';
import { MeetingTemplateId, TenantId, UserId, WebexSiteUrl } from '../primitives.js';

/** Ten years: the longest retention a tenant may choose (retention's timer table holds it). */
export const MAX_TENANT_RETENTION_SECONDS = 10 * 365 * 24 * 60 * 60;

/**
 * What a tenant's Workspace administrators decide for all its users. `null` leaves a setting
 * to the deployment: retention's RETENTION_POLICIES / RETENTION_AFTER_END_SECONDS, any Webex
 * site, no default template.
 */
export const TenantSettings = z.strictObject({
  /** A disabled tenant's users are refused on every route; its administrators can enable it again. */
  enabled: z.boolean(),
  /** How long after a meeting's end its personal data is kept. */
  retentionAfterEndSeconds: z
    .number()
    .int({ message: 'must be a whole number of seconds' })
    .min(0)
    .max(MAX_TENANT_RETENTION_SECONDS, { message: 'must be at most 10 years' })
    .nullable(),
  /** The Webex sites the tenant's users may choose; `null`: any site their Webex account offers. */
  allowedWebexSites: z.array(WebexSiteUrl).min(1).max(100).nullable(),
  /** The meeting template used when a user has chosen none. */
  defaultMeetingTemplateId: MeetingTemplateId.nullable(),
});
export type TenantSettings = z.output<typeof TenantSettings>;

/**
 * A Workspace administrator of the tenant changed its settings (the whole new settings, so
 * each event reads on its own in an audit). Stream `tenant-<tenantId>`, written by
 * google-ingest, which checked the administrator with Google's Directory before recording.
 */
export const TenantSettingsChanged = defineEvent({
  type: 'TenantSettingsChanged',
  producer: 'google-ingest',
  category: 'tenant',
  schemaVersion: 1,
  data: z.strictObject({
    tenantId: TenantId,
    /** The administrator who changed them (Google subject). */
    changedBy: UserId,
    settings: TenantSettings,
  }),
});

/**
 * Whether the user is an administrator of their Workspace (Directory `isAdmin`), asked of
 * Google with the user's own token by google-ingest, which holds it.
 * `account-unavailable`: no usable Google connection; `google-unavailable`: Google did not answer.
 */
export const CheckTenantAdministrator = defineCommand({
  name: 'CheckTenantAdministrator',
  service: 'google-ingest',
  action: 'check-tenant-administrator',
  schemaVersion: 1,
  request: z.strictObject({ tenantId: TenantId, userId: UserId }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('administrator') }),
    z.strictObject({ outcome: z.literal('not-administrator') }),
    z.strictObject({ outcome: z.literal('account-unavailable') }),
    z.strictObject({ outcome: z.literal('google-unavailable') }),
  ]),
});

/** The event store position of the last event appended, "commit/prepare". */
const Position = z.string().regex(/^\d+\/\d+$/);

/**
 * An administrator replaces the tenant's settings (the gateway's PUT /v1/admin/tenant).
 * google-ingest checks the administrator with Google again (the writer decides), then records
 * TenantSettingsChanged unless the settings are already these (`unchanged`).
 */
export const ChangeTenantSettings = defineCommand({
  name: 'ChangeTenantSettings',
  service: 'google-ingest',
  action: 'change-tenant-settings',
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    correlationId: z.string().min(1).max(128),
    settings: TenantSettings,
  }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('changed'), position: Position }),
    z.strictObject({ outcome: z.literal('unchanged') }),
    z.strictObject({ outcome: z.literal('not-administrator') }),
    z.strictObject({ outcome: z.literal('account-unavailable') }),
    z.strictObject({ outcome: z.literal('google-unavailable') }),
  ]),
});

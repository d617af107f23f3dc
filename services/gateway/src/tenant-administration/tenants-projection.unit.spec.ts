import { describe, expect, it } from '@jest/globals';
import {
  GoogleAccountConnected,
  TenantSettingsChanged,
  createEvent,
  type EventContract,
  type TenantSettings,
} from '@scheduler/contracts';
import { envelopeToEventToAppend, type RecordedEvent } from '@scheduler/event-store';
import { TenantView, projectTenant, tenantsProjection } from './tenants-projection.js';

const tenantId = 'demo.example';
let position = 0n;

function recorded(
  contract: EventContract,
  data: Record<string, unknown>,
  at: string,
  streamId: string,
): RecordedEvent {
  const append = envelopeToEventToAppend(
    createEvent(contract, { streamId, tenantId, occurredAt: new Date(at), data: data as never }),
  );
  position++;
  return {
    id: append.id,
    streamId,
    revision: position,
    position: { commit: position, prepare: position },
    type: append.type,
    data: append.data,
    metadata: append.metadata ?? {},
    recordedAt: new Date(at),
  };
}

const settings: TenantSettings = {
  enabled: false,
  retentionAfterEndSeconds: 3600,
  allowedWebexSites: ['demo.webex.com'],
  defaultMeetingTemplate: { siteUrl: 'demo.webex.com', templateId: 'template-1' },
};
const changed = (next: TenantSettings, at: string, changedBy = '1001') =>
  recorded(TenantSettingsChanged, { tenantId, changedBy, settings: next }, at, `tenant-${tenantId}`);

describe('tenants projection', () => {
  it('reads the tenant streams only, one document per tenant', () => {
    expect(tenantsProjection.filter).toEqual({ categories: ['tenant'] });
    expect(tenantsProjection.documentId(changed(settings, '2027-01-01T09:00:00Z'))).toBe(tenantId);
  });

  it('keeps the whole settings of the last change, who made it and when', () => {
    const first = projectTenant(undefined, changed(settings, '2027-01-01T09:00:00Z'));
    const second = projectTenant(
      TenantView.parse(first),
      changed(
        { ...settings, enabled: true, allowedWebexSites: null } as never,
        '2027-01-02T09:00:00Z',
        '1002',
      ),
    );
    expect(TenantView.parse(second)).toEqual({
      tenantId,
      settings: { ...settings, enabled: true, allowedWebexSites: null },
      changedBy: '1002',
      changedAt: '2027-01-02T09:00:00.000Z',
    });
  });

  it('ignores any other event', () => {
    const other = recorded(
      GoogleAccountConnected,
      {
        userId: '1001',
        email: 'ada@demo.example',
        locale: 'en',
        timeZone: 'UTC',
        hostedDomain: tenantId,
        scopes: ['openid'],
      },
      '2027-01-01T09:00:00Z',
      'googleAccount-1001',
    );
    expect(projectTenant(undefined, other)).toBeUndefined();
  });
});

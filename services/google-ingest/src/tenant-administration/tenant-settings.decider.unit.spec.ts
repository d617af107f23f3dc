import { describe, expect, it } from '@jest/globals';
import { TenantSettingsChanged, type TenantSettings, createEvent } from '@scheduler/contracts';
import { sameSettings, tenantSettingsDecider, tenantStreamId } from './tenant-settings.decider.js';

const tenantId = 'demo.example';
const streamId = tenantStreamId(tenantId);
const occurredAt = new Date('2027-01-01T09:00:00Z');
const settings: TenantSettings = {
  enabled: true,
  retentionAfterEndSeconds: 86400,
  allowedWebexSites: ['demo.webex.com', 'board.webex.com'],
  defaultMeetingTemplateId: 'template-1',
};
const change = (next: TenantSettings) => ({
  tenantId,
  changedBy: '1001',
  settings: next,
  correlationId: 'corr-1',
  occurredAt,
});
const recorded = (next: TenantSettings) =>
  createEvent(TenantSettingsChanged, {
    streamId,
    tenantId,
    correlationId: 'corr-0',
    data: { tenantId, changedBy: '1000', settings: next },
  });
const stateAfter = (...events: ReturnType<typeof recorded>[]) =>
  events.reduce(tenantSettingsDecider.evolve, tenantSettingsDecider.initialState());

describe('tenantSettingsDecider', () => {
  it('records the first settings of a tenant on tenant-<tenantId>, naming the administrator', () => {
    const [event] = tenantSettingsDecider.decide(change(settings), stateAfter()) as ReturnType<
      typeof recorded
    >[];
    expect(event).toMatchObject({
      type: 'TenantSettingsChanged',
      streamId: 'tenant-demo.example',
      tenantId,
      correlationId: 'corr-1',
      occurredAt: occurredAt.toISOString(),
      data: { tenantId, changedBy: '1001', settings },
    });
  });

  it('records nothing when the settings are the ones recorded last (the sites in any order)', () => {
    const reordered = { ...settings, allowedWebexSites: ['board.webex.com', 'demo.webex.com'] };
    expect(tenantSettingsDecider.decide(change(reordered), stateAfter(recorded(settings)))).toEqual([]);
  });

  it('records a change against the last settings, not the first', () => {
    const disabled = { ...settings, enabled: false };
    const state = stateAfter(recorded(settings), recorded(disabled));
    expect(state.settings).toEqual(disabled);
    expect(tenantSettingsDecider.decide(change(settings), state)).toHaveLength(1);
  });

  it('tells every setting apart', () => {
    expect(sameSettings(settings, { ...settings, retentionAfterEndSeconds: null })).toBe(false);
    expect(sameSettings(settings, { ...settings, allowedWebexSites: null })).toBe(false);
    expect(sameSettings(settings, { ...settings, allowedWebexSites: ['demo.webex.com'] })).toBe(false);
    expect(sameSettings(settings, { ...settings, defaultMeetingTemplateId: null })).toBe(false);
    expect(sameSettings(settings, { ...settings, enabled: false })).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// Tenant administration through the whole system: Alice administers demo.example (the Google
// emulator's Directory says so to her own token, asked by google-ingest); her settings are
// recorded by google-ingest, enforced by the gateway and followed by webex-bridge.
const alice = demoTenant.user;

interface TenantResource {
  tenantId: string;
  source: 'settings' | 'defaults';
  settings: {
    enabled: boolean;
    retentionAfterEndSeconds: number | null;
    allowedWebexSites: string[] | null;
    defaultMeetingTemplate: { siteUrl: string; templateId: string } | null;
  };
  changedAt?: string;
}

interface ApiError {
  error: { code: string; message: string; correlationId: string; [detail: string]: unknown };
}

interface WebexMeeting {
  id: string;
  templateId: string | null;
  integrationTags?: string[];
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack();
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function api<T>(path: string, body?: unknown, method?: string): Promise<{ status: number; body: T }> {
  return stack.callGateway<T>(idToken, path, body, method);
}

const putTenant = (settings: TenantResource['settings']) =>
  api<TenantResource & ApiError>('/v1/admin/tenant', settings, 'PUT');

async function addMeeting(summary: string): Promise<string> {
  const startAt = new Date(Date.now() + 3 * 86_400_000);
  startAt.setUTCHours(9, 0, 0, 0);
  const event = await stack.google.request<{ id: string }>(
    `/google/calendars/${encodeURIComponent(alice)}/events`,
    {
      summary,
      start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
    },
  );
  const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId: alice, eventId: event.id });
  expect(added.status).toBe(202);
  return added.body.meetingId;
}

async function webexMeetingOf(meetingId: string): Promise<WebexMeeting | undefined> {
  const { meetings } = await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings');
  return meetings.find((meeting) => meeting.integrationTags?.includes(meetingId));
}

describe('tenant administration', () => {
  it("an administrator's default template is the one a new meeting gets when the user chose none", async () => {
    const before = await api<TenantResource>('/v1/admin/tenant');
    expect(before.body).toMatchObject({ tenantId: 'demo.example', source: 'defaults' });
    const me = await eventually(async () => {
      const current = await api<{
        options: { templates: Array<{ id: string; name: string; isDefault: boolean }> };
      }>('/v1/me');
      expect(current.body.options?.templates.length).toBeGreaterThan(1);
      return current.body;
    }, 30_000);
    const large = me.options.templates.find((template) => !template.isDefault)!;
    const changed = await putTenant({
      enabled: true,
      retentionAfterEndSeconds: null,
      allowedWebexSites: ['demo.webex.com'],
      defaultMeetingTemplate: { siteUrl: 'demo.webex.com', templateId: large.id },
    });
    expect(changed.status).toBe(200);
    // GET /v1/me shows the template new meetings get.
    const shown = await api<{ template: { id: string; name?: string } | null }>('/v1/me');
    expect(shown.body.template).toEqual({ id: large.id, name: large.name });

    const meetingId = await addMeeting('Board review');
    const created = await eventually(async () => {
      const meeting = await webexMeetingOf(meetingId);
      expect(meeting).toBeDefined();
      return meeting!;
    }, 30_000);
    expect(created.templateId).toBe(large.id);
  }, 90_000);

  it('an admin disables the tenant → its users get 403 with a clear reason; enabled again, they are served', async () => {
    const meetingId = await addMeeting('Before the switch-off');
    const disabled = await putTenant({
      enabled: false,
      retentionAfterEndSeconds: null,
      allowedWebexSites: null,
      defaultMeetingTemplate: null,
    });
    expect(disabled.status).toBe(200);
    for (const path of ['/v1/me', `/v1/meetings/${meetingId}`]) {
      const refused = await api<ApiError>(path);
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(refused.body.error).toMatchObject({
        code: 'tenant_disabled',
        reason: 'disabled_by_tenant_administrator',
        since: disabled.body.changedAt,
      });
      expect(refused.body.error.message).toContain('administrators have turned this service off');
    }
    // Its administrator still reaches the settings, and turns the service on again.
    expect((await api<TenantResource>('/v1/admin/tenant')).body.settings.enabled).toBe(false);
    const enabled = await putTenant({
      enabled: true,
      retentionAfterEndSeconds: null,
      allowedWebexSites: null,
      defaultMeetingTemplate: null,
    });
    expect(enabled.status).toBe(200);
    const served = await api<{ meetingId: string }>(`/v1/meetings/${meetingId}`);
    expect(served.status).toBe(200);
    expect(served.body.meetingId).toBe(meetingId);
  }, 90_000);
});

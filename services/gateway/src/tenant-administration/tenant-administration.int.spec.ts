import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresEventStore } from '@scheduler/event-store';
import { newUuidV7 } from '@scheduler/contracts';
import {
  startTenantAdministrationStack,
  type TenantAdministrationStack,
  type TenantUser,
} from '../../test/tenant-administration.fixture.js';

// GET|PUT /v1/admin/tenant and what the gateway enforces from the settings, with the real
// google-ingest (the tenant stream's writer, which asks the Google emulator's Directory whether
// the caller administers the Workspace) over real NATS and PostgreSQL.

let stack: TenantAdministrationStack;
let store: PostgresEventStore;
let ada: TenantUser;
let bob: TenantUser;
let oscar: TenantUser;

const settings = {
  enabled: true,
  retentionAfterEndSeconds: 86400,
  allowedWebexSites: ['demo.webex.com'],
  defaultMeetingTemplate: { siteUrl: 'demo.webex.com', templateId: 'template-board' },
};

const tenantEvents = async () => {
  try {
    return await store.readStream('tenant-demo.example');
  } catch {
    return [];
  }
};

beforeAll(async () => {
  stack = await startTenantAdministrationStack({
    name: 'tenant_admin_routes',
    allowedDomains: 'demo.example',
    users: [
      { email: 'ada@demo.example', isAdmin: true },
      { email: 'bob@demo.example' },
      // A Workspace this deployment does not serve, with an administrator of its own.
      { email: 'oscar@other.example', isAdmin: true },
    ],
  });
  ada = stack.users.get('ada@demo.example')!;
  bob = stack.users.get('bob@demo.example')!;
  oscar = stack.users.get('oscar@other.example')!;
  store = await PostgresEventStore.connect({ connectionString: stack.schema.connectionString, poolSize: 1 });
  await stack.connectGoogle(ada);
  await stack.connectGoogle(bob);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await stack?.close();
});

describe('GET /v1/admin/tenant', () => {
  it('refuses a caller without a token: 401', async () => {
    const answer = await stack.call('GET', '/v1/admin/tenant');
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 'unauthenticated', reason: 'missing_token' });
  });

  it('refuses a user who is no Workspace administrator: 403 not_tenant_administrator', async () => {
    const answer = await stack.call('GET', '/v1/admin/tenant', bob);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('not_tenant_administrator');
  });

  it('refuses an administrator of a Workspace the deployment does not serve: 403 hosted_domain_not_allowed', async () => {
    const answer = await stack.call('GET', '/v1/admin/tenant', oscar);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('hosted_domain_not_allowed');
  });

  it('shows the bootstrap defaults to an administrator while no settings are recorded', async () => {
    const answer = await stack.call('GET', '/v1/admin/tenant', ada);
    expect(answer).toEqual({
      status: 200,
      body: {
        tenantId: 'demo.example',
        source: 'defaults',
        settings: {
          enabled: true,
          retentionAfterEndSeconds: null,
          allowedWebexSites: null,
          defaultMeetingTemplate: null,
        },
      },
    });
  });
});

describe('PUT /v1/admin/tenant', () => {
  it('refuses a bad body with 400 naming every bad field, and records nothing', async () => {
    const answer = await stack.call('PUT', '/v1/admin/tenant', ada, {
      enabled: 'yes',
      retentionAfterEndSeconds: -1,
      allowedWebexSites: ['https://evil.example'],
      defaultMeetingTemplate: null,
      colour: 'red',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    const paths = answer.body.error.fields.map((field: { path: string }) => field.path);
    expect(paths).toEqual(
      expect.arrayContaining(['enabled', 'retentionAfterEndSeconds', 'allowedWebexSites.0']),
    );
    const partial = await stack.call('PUT', '/v1/admin/tenant', ada, { enabled: false });
    expect(partial.status).toBe(400);
    const templateElsewhere = await stack.call('PUT', '/v1/admin/tenant', ada, {
      ...settings,
      defaultMeetingTemplate: { siteUrl: 'board.webex.com', templateId: 'template-board' },
    });
    expect(templateElsewhere.status).toBe(422);
    expect(templateElsewhere.body.error.code).toBe('tenant_settings_inconsistent');
    expect(templateElsewhere.body.error.fields).toEqual([
      { path: 'defaultMeetingTemplate.siteUrl', message: 'must be one of allowedWebexSites' },
    ]);
    expect(await tenantEvents()).toEqual([]);
  });

  it('refuses a user who is no administrator with 403, and records nothing', async () => {
    const answer = await stack.call('PUT', '/v1/admin/tenant', bob, settings);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('not_tenant_administrator');
    expect(await tenantEvents()).toEqual([]);
  });

  it('records the settings as TenantSettingsChanged naming the administrator, once however often they are put', async () => {
    const answer = await stack.call('PUT', '/v1/admin/tenant', ada, settings);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      tenantId: 'demo.example',
      source: 'settings',
      settings,
      changedBy: ada.sub,
      changedAt: expect.any(String),
    });
    expect(await stack.call('GET', '/v1/admin/tenant', ada)).toEqual({ status: 200, body: answer.body });
    const again = await stack.call('PUT', '/v1/admin/tenant', ada, settings);
    expect(again.status).toBe(200);
    const events = await tenantEvents();
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['TenantSettingsChanged', { tenantId: 'demo.example', changedBy: ada.sub, settings }],
    ]);
  });
});

describe('what the gateway enforces', () => {
  it('refuses a Webex site the administrators do not allow where the user chooses one: 403 webex_site_not_allowed', async () => {
    const answer = await stack.call('PUT', '/v1/me/preferences', bob, { siteUrl: 'other.webex.com' });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({
      code: 'webex_site_not_allowed',
      siteUrl: 'other.webex.com',
      allowedSites: ['demo.webex.com'],
    });
  });

  it('an administrator disables the tenant: its users get 403 tenant_disabled with the reason on every route, its administrators can enable it again', async () => {
    const disabled = await stack.call('PUT', '/v1/admin/tenant', ada, { ...settings, enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.settings.enabled).toBe(false);
    for (const [method, path, body] of [
      ['GET', '/v1/me', undefined],
      ['GET', `/v1/meetings/${newUuidV7()}`, undefined],
      ['POST', '/v1/meetings', { calendarId: 'primary', eventId: 'event1' }],
      ['PUT', '/v1/me/preferences', { language: 'de' }],
      ['POST', '/v1/oauth/webex/start', {}],
    ] as const) {
      const answer = await stack.call(method, path, bob, body);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.body.error).toEqual({
        code: 'tenant_disabled',
        message: expect.stringContaining('administrators have turned this service off'),
        reason: 'disabled_by_tenant_administrator',
        since: disabled.body.changedAt,
        correlationId: expect.any(String),
      });
    }
    // An administrator is a user too, but reaches the tenant's settings.
    expect((await stack.call('GET', '/v1/me', ada)).status).toBe(403);
    expect((await stack.call('GET', '/v1/admin/tenant', ada)).body.settings.enabled).toBe(false);
    // A user who is no administrator learns nothing more there.
    expect((await stack.call('GET', '/v1/admin/tenant', bob)).body.error.code).toBe(
      'not_tenant_administrator',
    );

    const enabled = await stack.call('PUT', '/v1/admin/tenant', ada, settings);
    expect(enabled.status).toBe(200);
    const after = await stack.call('GET', `/v1/meetings/${newUuidV7()}`, bob);
    expect(after.status).toBe(404);
    expect((await tenantEvents()).map((event) => event.data.settings)).toEqual([
      settings,
      { ...settings, enabled: false },
      settings,
    ]);
  });
});

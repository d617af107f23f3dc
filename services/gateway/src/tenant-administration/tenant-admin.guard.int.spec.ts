import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import {
  startTenantAdministrationStack,
  type TenantAdministrationStack,
  type TenantUser,
} from '../../test/tenant-administration.fixture.js';
import { AuthenticationGuard } from '../authentication/authentication.guard.js';
import {
  CurrentTenantAdministrator,
  TenantAdminGuard,
  type TenantAdministrator,
} from './tenant-admin.guard.js';
import { TenantAdminGuardModule } from './tenant-admin-guard.module.js';

// TenantAdminGuard on a route of the test's own, as another feature uses it: the real
// google-ingest asks the Google emulator's Directory (admin view, the caller's own token).

@Controller('v1/test-admin-probe')
@UseGuards(AuthenticationGuard, TenantAdminGuard)
class ProbeController {
  @Get()
  probe(@CurrentTenantAdministrator() administrator: TenantAdministrator): TenantAdministrator {
    return administrator;
  }
}

@Module({ imports: [TenantAdminGuardModule], controllers: [ProbeController] })
class ProbeModule {}

let stack: TenantAdministrationStack;
let ada: TenantUser;
let bob: TenantUser;
let carol: TenantUser;

beforeAll(async () => {
  stack = await startTenantAdministrationStack({
    name: 'tenant_admin_guard',
    allowedDomains: 'demo.example',
    users: [
      { email: 'ada@demo.example', isAdmin: true },
      { email: 'bob@demo.example' },
      { email: 'carol@demo.example' },
    ],
    imports: [ProbeModule],
  });
  ada = stack.users.get('ada@demo.example')!;
  bob = stack.users.get('bob@demo.example')!;
  carol = stack.users.get('carol@demo.example')!;
  await stack.connectGoogle(ada);
  await stack.connectGoogle(bob);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('TenantAdminGuard', () => {
  it("admits a Workspace administrator and puts the administrator's tenant on the request", async () => {
    const answer = await stack.call('GET', '/v1/test-admin-probe', ada);
    expect(answer).toEqual({ status: 200, body: { tenantId: 'demo.example', userId: ada.sub } });
  });

  it('refuses a user who is no administrator: 403 not_tenant_administrator in the one error format', async () => {
    const answer = await stack.call('GET', '/v1/test-admin-probe', bob);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      error: {
        code: 'not_tenant_administrator',
        message: expect.any(String),
        correlationId: expect.any(String),
      },
    });
  });

  it('runs after authentication: no token is a 401, not an admin check', async () => {
    const answer = await stack.call('GET', '/v1/test-admin-probe');
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 'unauthenticated', reason: 'missing_token' });
  });

  it('cannot ask Google for a user whose Google account is not connected: 409 google_account_not_connected', async () => {
    const answer = await stack.call('GET', '/v1/test-admin-probe', carol);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('google_account_not_connected');
  });

  it('follows Google: an administrator whose role is taken away is refused on the next request', async () => {
    stack.google.seed({ users: [{ email: 'ada@demo.example', directory: { isAdmin: false } }] });
    try {
      expect((await stack.call('GET', '/v1/test-admin-probe', ada)).status).toBe(403);
    } finally {
      stack.google.seed({ users: [{ email: 'ada@demo.example', directory: { isAdmin: true } }] });
    }
    expect((await stack.call('GET', '/v1/test-admin-probe', ada)).status).toBe(200);
  });
});

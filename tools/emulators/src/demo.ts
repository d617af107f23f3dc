import type { RunningEmulators } from './start-emulators.js';
import { developmentClient } from './webex/index.js';

/** The demo tenant's Google OAuth client; the dev stack's services use the same values. */
export const demoGoogleClient = {
  clientId: 'scheduler-dev.apps.googleusercontent.com',
  clientSecret: 'scheduler-dev-google-secret',
};

/** The demo tenant both `npm run emulators` and `npm start` seed: one user with a calendar, a
 * Directory entry naming the Webex site, and a Webex account. */
export const demoTenant = { domain: 'demo.example', user: 'alice@demo.example' } as const;

export function seedDemoTenant(emulators: RunningEmulators): void {
  emulators.google.seed({
    clients: [demoGoogleClient],
    tenants: [{ domain: 'demo.example' }],
    users: [
      {
        email: 'alice@demo.example',
        name: 'Alice Demo',
        timeZone: 'Europe/Berlin',
        calendars: [{ summary: 'Alice team calendar' }],
        // A Workspace administrator too, so the demo can manage the tenant (GET|PUT /v1/admin/tenant).
        directory: { customSchemas: { Webex: { SiteUrl: 'https://demo.webex.com' } }, isAdmin: true },
      },
    ],
  });
  emulators.webex.seedUser({
    email: 'alice@demo.example',
    displayName: 'Alice Demo',
    timezone: 'Europe/Berlin',
    sites: [{ siteUrl: 'demo.webex.com', default: true }],
  });
}

export const demoWebexClient = developmentClient;

import { describeServiceLifecycle } from '@scheduler/testing';

const gateway = { name: 'gateway', main: new URL('./main.ts', import.meta.url) };

describeServiceLifecycle(gateway, (schema) => ({
  READ_MODEL_URL: schema.connectionString,
  PUBLIC_BASE_URL: 'https://scheduler.example',
  GOOGLE_CLIENT_ID: 'scheduler-lifecycle.apps.googleusercontent.com',
  ALLOWED_HOSTED_DOMAINS: 'demo.example',
  OAUTH_STATE_SECRET: 'lifecycle-test-secret-of-at-least-32-bytes',
  WEBEX_CLIENT_ID: 'scheduler-lifecycle-webex-client',
}));

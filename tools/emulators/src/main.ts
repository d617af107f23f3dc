// `npm run emulators`: both emulators on one clock, seeded with a demo tenant, until SIGINT/SIGTERM.
import { env, loadConfig } from '@scheduler/config';
import { z } from 'zod';
import { demoGoogleClient, seedDemoTenant } from './demo.js';
import { developmentClient, startEmulators } from './index.js';

const config = loadConfig(
  'emulators',
  z.object({
    GOOGLE_EMULATOR_PORT: env.port().default(4010),
    WEBEX_EMULATOR_PORT: env.port().default(4020),
    EMULATOR_HOST: z.string().default('127.0.0.1'),
    /** Optional: when set, /control on the Google emulator needs `Authorization: Bearer <token>`. */
    EMULATOR_CONTROL_TOKEN: z.string().min(16).optional(),
  }),
);

const emulators = await startEmulators({
  googlePort: config.GOOGLE_EMULATOR_PORT,
  webexPort: config.WEBEX_EMULATOR_PORT,
  host: config.EMULATOR_HOST,
  ...(config.EMULATOR_CONTROL_TOKEN ? { controlToken: config.EMULATOR_CONTROL_TOKEN } : {}),
});

seedDemoTenant(emulators);

console.info(
  [
    `Google emulator: ${emulators.googleUrl}  (control: ${emulators.googleUrl}/control)`,
    `Webex emulator:  ${emulators.webexUrl}  (control: ${emulators.webexUrl}/control)`,
    `Demo tenant demo.example: alice@demo.example (Google calendar, directory site URL, Webex account)`,
    `Google OAuth client: ${demoGoogleClient.clientId} / ${demoGoogleClient.clientSecret}`,
    `Webex OAuth client:  ${developmentClient.clientId} / ${developmentClient.clientSecret}`,
    'Both emulators share one clock. Press Ctrl+C to stop.',
  ].join('\n'),
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.info(`${signal}: stopping the emulators`);
  await emulators.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

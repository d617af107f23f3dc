import { describe, expect, it } from '@jest/globals';
import { startEmulators } from './start-emulators.js';

describe('startEmulators', () => {
  it('starts Google and Webex on one clock behind the control token, and closes both', async () => {
    const emulators = await startEmulators({ controlToken: 'a-control-token-for-tests' });
    const headers = { authorization: 'Bearer a-control-token-for-tests', 'content-type': 'application/json' };
    try {
      expect((await fetch(`${emulators.googleUrl}/control/clock`)).status).toBe(401);
      expect((await fetch(`${emulators.webexUrl}/control/clock`)).status).toBe(401);
      const advanced = await fetch(`${emulators.googleUrl}/control/clock/advance`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ seconds: 86_400 }),
      });
      const { now } = (await advanced.json()) as { now: string };
      const webexClock = (await (await fetch(`${emulators.webexUrl}/control/clock`, { headers })).json()) as {
        now: string;
      };
      // Same clock: the Webex emulator moved a day too (allow for the real time between the calls).
      expect(Date.parse(webexClock.now) - Date.parse(now)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(webexClock.now) - Date.now()).toBeGreaterThan(86_000_000);
    } finally {
      await emulators.close();
    }
    await expect(fetch(`${emulators.googleUrl}/control/clock`)).rejects.toThrow();
    await expect(fetch(`${emulators.webexUrl}/control/clock`)).rejects.toThrow();
  });
});

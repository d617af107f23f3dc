import { describe, expect, it } from '@jest/globals';
import { startEmulators } from '@scheduler/emulators';
import { RemoteClock, RemoteClockError } from './remote-clock.js';

describe('RemoteClock', () => {
  it("follows the emulators' clock from one synchronize to the next, and names a refused read", async () => {
    const emulators = await startEmulators({ controlToken: 'a-control-token-for-tests' });
    try {
      const url = `${emulators.googleUrl}/control/clock`;
      const clock = new RemoteClock(url, 'a-control-token-for-tests');
      await clock.synchronize();
      expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(5_000);

      emulators.clock.advance(14 * 86_400_000);
      // Synchronous now() keeps the last offset until the next pass reads the clock again.
      expect(clock.now().getTime() - Date.now()).toBeLessThan(5_000);
      await clock.synchronize();
      expect(clock.now().getTime() - Date.now()).toBeGreaterThan(14 * 86_400_000 - 5_000);

      const refused = new RemoteClock(url, 'a-wrong-token');
      await expect(refused.synchronize()).rejects.toThrow(RemoteClockError);
      await expect(refused.synchronize()).rejects.toThrow(`clock at ${url}: HTTP 401`);
    } finally {
      await emulators.close();
    }
  });
});

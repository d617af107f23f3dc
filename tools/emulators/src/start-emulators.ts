import { EmulatorClock } from './core/clock.js';
import { createGoogleEmulator, type GoogleEmulator } from './google/index.js';
import { createWebexEmulator, type WebexEmulator } from './webex/index.js';

export interface StartEmulatorsOptions {
  /** 0 (the default) picks a free port. */
  googlePort?: number;
  webexPort?: number;
  host?: string;
  /** Protects /control on both emulators (see README). */
  controlToken?: string;
  clock?: EmulatorClock;
}

export interface RunningEmulators {
  /** One clock for both emulators: moving it on either control API moves both. */
  clock: EmulatorClock;
  google: GoogleEmulator;
  webex: WebexEmulator;
  googleUrl: string;
  webexUrl: string;
  close(): Promise<void>;
}

/** Starts the Google and Webex emulators on one shared clock. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const clock = options.clock ?? new EmulatorClock();
  const host = options.host ?? '127.0.0.1';
  const controlToken = options.controlToken ? { controlToken: options.controlToken } : {};
  const google = await createGoogleEmulator({ clock, ...controlToken });
  const webex = createWebexEmulator({ clock, ...controlToken });
  const googleServer = await google.listen(options.googlePort ?? 0, host);
  let webexUrl: string;
  try {
    webexUrl = (await webex.listen(options.webexPort ?? 0, host)).url;
  } catch (error) {
    await google.close();
    throw error;
  }
  return {
    clock,
    google,
    webex,
    googleUrl: googleServer.url,
    webexUrl,
    async close() {
      await Promise.allSettled([google.close(), webex.close()]);
    },
  };
}

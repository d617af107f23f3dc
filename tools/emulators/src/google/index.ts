import express, { type Express } from 'express';
import type { GoogleEndpoints } from '@scheduler/google';
import { EmulatorClock } from '../core/clock.js';
import { controlAuthentication, controlErrorHandler, sharedControlRoutes } from '../core/control-routes.js';
import { FaultInjector } from '../core/faults.js';
import { listen, type RunningHttpServer } from '../core/http-server.js';
import { RequestLog } from '../core/request-log.js';
import { calendarRoutes, directoryRoutes, googleErrorMiddleware, oauthRoutes } from './api-routes.js';
import { applyGoogleSeed, googleControlRoutes, type GoogleSeed } from './control.js';
import { faultMessage, googleErrorBody } from './errors.js';
import { GmailMailboxes, gmailControlRoutes, gmailRoutes } from './gmail.js';
import { OAuthAuthority } from './oauth.js';
import { PushNotifier, type PushOptions } from './push.js';
import { GoogleWorld } from './world.js';

export interface GoogleEmulatorOptions {
  /** Share one clock between emulators so tests move time once. */
  clock?: EmulatorClock;
  /** When set, /control routes need `Authorization: Bearer <controlToken>`. */
  controlToken?: string;
  push?: Partial<PushOptions>;
}

export interface GoogleEmulator {
  readonly app: Express;
  readonly clock: EmulatorClock;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  readonly world: GoogleWorld;
  /** Users' Gmail messages and the add-on per-message tokens for them. */
  readonly gmail: GmailMailboxes;
  readonly oauth: OAuthAuthority;
  readonly push: PushNotifier;
  /** Base URL once listening, e.g. http://127.0.0.1:4010. */
  readonly url: string;
  /** What a client needs to point googleapis and OAuth2Client at this emulator (once listening). */
  readonly endpoints: GoogleEmulatorEndpoints;
  seed(seed: GoogleSeed): ReturnType<typeof applyGoogleSeed>;
  listen(port?: number, host?: string): Promise<RunningHttpServer>;
  close(): Promise<void>;
}

/**
 * Where this emulator serves each Google API: all on its one origin, under Google's own paths
 * (the same layout @scheduler/google derives from a service's GOOGLE_API_BASE_URL).
 */
export interface GoogleEmulatorEndpoints extends GoogleEndpoints {
  userinfoUrl: string;
}

export function googleEmulatorEndpoints(baseUrl: string): GoogleEmulatorEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    calendarRootUrl: `${base}/`,
    directoryRootUrl: `${base}/`,
    gmailRootUrl: `${base}/`,
    oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/token`,
    oauth2RevokeUrl: `${base}/revoke`,
    oauth2FederatedSignonPemCertsUrl: `${base}/oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${base}/oauth2/v3/certs`,
    userinfoUrl: `${base}/oauth2/v3/userinfo`,
  };
}

/** Google OAuth 2.0, Calendar v3, Admin Directory, Gmail (messages.get) and push notifications in one express app. */
export async function createGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const clock = options.clock ?? new EmulatorClock();
  const faults = new FaultInjector();
  const requests = new RequestLog();
  const world = new GoogleWorld(clock);
  const oauth = await OAuthAuthority.create(world, clock);
  const gmail = new GmailMailboxes(world, clock);
  const push = new PushNotifier(clock, {
    retryBaseDelayMs: 200,
    maxAttempts: 5,
    deliveryTimeoutMs: 5_000,
    ...options.push,
  });
  world.onCalendarChanged((calendarId) => push.calendarChanged(calendarId));

  let baseUrl = 'http://127.0.0.1';
  let server: RunningHttpServer | undefined;
  const parts = { world, oauth, push, baseUrl: () => baseUrl };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));
  const control = express.Router();
  control.use(controlAuthentication(options.controlToken));
  control.use(sharedControlRoutes({ clock, faults, requests }));
  control.use('/google', googleControlRoutes(parts));
  control.use('/google', gmailControlRoutes(gmail));
  control.use(controlErrorHandler);
  app.use('/control', control);
  app.use(requests.middleware());
  app.use(
    faults.middleware((response, fault) => {
      response
        .status(fault.status)
        .json(googleErrorBody(fault.status, fault.reason, faultMessage(fault.status, fault.reason)));
    }),
  );
  app.use(oauthRoutes(parts));
  app.use(calendarRoutes(parts));
  app.use(directoryRoutes(parts));
  app.use(gmailRoutes({ oauth, gmail }));
  app.use(googleErrorMiddleware());

  const emulator: GoogleEmulator = {
    app,
    clock,
    faults,
    requests,
    world,
    gmail,
    oauth,
    push,
    get url() {
      if (!server) throw new Error('the Google emulator is not listening yet; call listen() first');
      return baseUrl;
    },
    get endpoints() {
      return googleEmulatorEndpoints(emulator.url);
    },
    seed: (seed) => applyGoogleSeed(parts, seed),
    async listen(port = 0, host = '127.0.0.1') {
      server = await listen(app, port, host);
      baseUrl = server.url;
      return server;
    },
    async close() {
      await push.close();
      await server?.close();
      server = undefined;
    },
  };
  return emulator;
}

export type { GoogleSeed } from './control.js';
export type { NotificationRecord, Channel } from './push.js';
export type { GoogleUser } from './world.js';

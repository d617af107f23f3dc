import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { EmulatorClock } from '../core/clock.js';
import { controlAuthentication, controlErrorHandler, sharedControlRoutes } from '../core/control-routes.js';
import { FaultInjector } from '../core/faults.js';
import { listen, type RunningHttpServer } from '../core/http-server.js';
import { RequestLog } from '../core/request-log.js';
import { accountRoutes } from './account.js';
import { webexControlRoutes } from './control.js';
import { renderFault, sendWebexError, statusMessage, trackingIdHeader } from './errors.js';
import { inviteeRoutes } from './invitees.js';
import { expireEndedMeetings, meetingRoutes, type MeetingEvent } from './meetings.js';
import { authenticate, oauthRoutes, type OAuthSettings } from './oauth.js';
import { WebexState, type StoredMeeting, type WebexOAuthClient, type WebexUserSeed } from './state.js';
import { WebhookDispatcher, webhookRoutes } from './webhooks.js';

export { WebexState } from './state.js';
export type {
  Invitee,
  StoredMeeting,
  StoredWebhook,
  WebexOAuthClient,
  WebexUser,
  WebexUserSeed,
} from './state.js';
export type { WebhookDelivery, WebhookDispatcher } from './webhooks.js';
export { maximumDurationMs, minimumDurationMs } from './meetings.js';

export interface WebexEmulatorOptions {
  /** Share one clock between emulators so tests move time once. */
  clock?: EmulatorClock;
  faults?: FaultInjector;
  requests?: RequestLog;
  /** When set, /control routes need `Authorization: Bearer <controlToken>`. */
  controlToken?: string;
  /** OAuth integrations that may use the emulator. Default: `developmentClient`. */
  clients?: WebexOAuthClient[];
  users?: WebexUserSeed[];
  /** Webex: 14 days. */
  accessTokenLifetimeSeconds?: number;
  /** Webex: 90 days. */
  refreshTokenLifetimeSeconds?: number;
  /** Default true: every refresh returns a new refresh token and kills the old one. */
  rotateRefreshTokens?: boolean;
  /** Webex: 100 creates per user per 24 h, failed requests included. */
  meetingCreatesPerDay?: number;
  /** Waits between webhook attempts after a 5xx or a network error. Default [1000, 5000, 30000]. */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** How often meetings whose end passed on the emulator clock are ended. 0: only on requests. Default 1000. */
  sweepIntervalMs?: number;
}

export interface WebexEmulator {
  /** The Webex API under /v1 and the control API under /control. */
  readonly app: Express;
  readonly state: WebexState;
  readonly clock: EmulatorClock;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  readonly webhooks: WebhookDispatcher;
  /** Base URL once listening, e.g. http://127.0.0.1:4020. The API base is `${url}/v1`. */
  readonly url: string;
  seedUser(seed: WebexUserSeed): ReturnType<WebexState['seedUser']>;
  /** Ends meetings whose end has passed on the emulator clock (and sends their webhooks). */
  tick(): void;
  listen(port?: number, host?: string): Promise<RunningHttpServer>;
  close(): Promise<void>;
}

/** The OAuth integration the emulator knows unless told otherwise (local development and tests). */
export const developmentClient: WebexOAuthClient = {
  clientId: 'scheduler-dev-webex-client',
  clientSecret: 'scheduler-dev-webex-secret',
  redirectUris: [],
};

/** Webex OAuth, Meetings, Meeting Invitees, People, Preferences and Webhooks in one express app. */
export function createWebexEmulator(options: WebexEmulatorOptions = {}): WebexEmulator {
  const clock = options.clock ?? new EmulatorClock();
  const state = new WebexState(clock);
  const faults = options.faults ?? new FaultInjector();
  const requests = options.requests ?? new RequestLog();
  for (const client of options.clients ?? [developmentClient]) state.clients.set(client.clientId, client);
  for (const user of options.users ?? []) state.seedUser(user);

  const oauth: OAuthSettings = {
    accessTokenLifetimeMs: (options.accessTokenLifetimeSeconds ?? 14 * 86_400) * 1000,
    refreshTokenLifetimeMs: (options.refreshTokenLifetimeSeconds ?? 90 * 86_400) * 1000,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
  };
  const webhooks = new WebhookDispatcher(state, {
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1_000, 5_000, 30_000],
    timeoutMs: options.webhookTimeoutMs ?? 5_000,
  });
  const emit = (event: MeetingEvent, meeting: StoredMeeting) => webhooks.meetingEvent(event, meeting);
  const tick = () => expireEndedMeetings(state, emit);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const control = express.Router();
  control.use(express.json());
  control.use(controlAuthentication(options.controlToken));
  // A control call may have moved the clock: end what is due right away.
  control.use((_request, response, next) => {
    response.on('finish', tick);
    next();
  });
  control.use(sharedControlRoutes({ clock, faults, requests }));
  control.use('/webex', webexControlRoutes({ state, webhooks, oauth, emit }));
  control.use(controlErrorHandler);
  app.use('/control', control);

  app.use(trackingIdHeader());
  // Bodies are read before faults apply, so a latency fault longer than the client's deadline
  // still lets Webex act on the request: the answer is lost, the side effect is not.
  app.use(express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));
  app.use(requests.middleware());
  app.use(faults.middleware(renderFault));
  app.use((_request, _response, next) => {
    tick();
    next();
  });
  app.use(oauthRoutes(state, oauth));
  app.use(authenticate(state));
  app.use(accountRoutes(state));
  app.use(meetingRoutes(state, { createsPerDay: options.meetingCreatesPerDay ?? 100 }, emit));
  app.use(inviteeRoutes(state));
  app.use(webhookRoutes(state));
  app.use((_request, response) => sendWebexError(response, 404, statusMessage(404)));
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const status =
      typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    sendWebexError(
      response,
      status,
      status === 400 ? 'The request body is not valid JSON.' : statusMessage(status),
    );
  });

  const sweep = options.sweepIntervalMs ?? 1_000;
  const sweeper = sweep > 0 ? setInterval(tick, sweep) : undefined;
  sweeper?.unref();
  let server: RunningHttpServer | undefined;

  return {
    app,
    state,
    clock,
    faults,
    requests,
    webhooks,
    get url() {
      if (!server) throw new Error('the Webex emulator is not listening yet; call listen() first');
      return server.url;
    },
    seedUser: (seed) => state.seedUser(seed),
    tick,
    async listen(port = 0, host = '127.0.0.1') {
      server = await listen(app, port, host);
      return server;
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      webhooks.close();
      await webhooks.idle();
      await server?.close();
      server = undefined;
    },
  };
}

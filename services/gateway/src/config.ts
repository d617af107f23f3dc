import { z } from 'zod';
import { env } from '@scheduler/config';
import { primitives } from '@scheduler/contracts';
import { checkKeyRing, platformEnvironment } from '@scheduler/runtime';

const domainList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((domain) => domain.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(primitives.TenantId).min(1, { message: 'must name at least one domain' }));

/** Requests per window; 0 turns the limit off. */
const requestLimit = () => z.coerce.number().int().min(0);

export const gatewayEnvironment = platformEnvironment
  .extend({
    /** Where the gateway's read models live: postgres:// locally, mongodb:// in production. */
    READ_MODEL_URL: env.url(['postgres', 'postgresql', 'mongodb', 'mongodb+srv']),
    /** The gateway's address as browsers reach it: OAuth callbacks and return URLs are under it. */
    PUBLIC_BASE_URL: env.url(['https', 'http']),
    /** Our Google OAuth client id: the audience every ID token must carry. */
    GOOGLE_CLIENT_ID: z.string().min(1),
    /** Comma-separated Google Workspace domains (the `hd` claim) this deployment serves. */
    ALLOWED_HOSTED_DOMAINS: domainList,
    /** HMAC key of the OAuth state parameter. */
    OAUTH_STATE_SECRET: z
      .string()
      .refine((value) => Buffer.byteLength(value, 'utf8') >= 32, { message: 'must be at least 32 bytes' }),
    /**
     * How long a connection may take from its start to the provider's redirect back: the state's
     * and the flow cookie's lifetime. Long enough to consent, short enough that a leaked URL soon
     * stops working.
     */
    OAUTH_STATE_LIFETIME_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
    /** One base URL serving every Google API under Google's paths (the emulator); unset: Google itself. */
    GOOGLE_API_BASE_URL: env.url(['http', 'https']).optional(),
    WEBEX_CLIENT_ID: z.string().min(1),
    WEBEX_AUTHORIZE_URL: env.url(['https', 'http']).default('https://webexapis.com/v1/authorize'),
    /**
     * Requests one user may make per window, and the largest burst. The add-on makes a few calls
     * per user action; 120 a minute leaves room for retries and polling.
     */
    RATE_LIMIT_PER_USER: requestLimit().default(120),
    /**
     * Requests one client address may make per window. Generous: many users can share an address
     * (an office's NAT, or Google's servers running the add-on); it stops floods, not users.
     */
    RATE_LIMIT_PER_IP: requestLimit().default(1200),
    RATE_LIMIT_WINDOW_MS: env.milliseconds().default(60_000),
    /**
     * Proxies of ours in front of the gateway (an ingress: 1) whose X-Forwarded-For is trusted
     * for the client address. 0: the socket's address, as when browsers reach the gateway directly.
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  })
  .superRefine(checkKeyRing);
export type GatewayConfig = z.infer<typeof gatewayEnvironment>;

import type { NatsCredentials } from './nats-users.js';

/** Where the parts of a local deployment (the dev stack, the e2e tests) can be reached. */
export interface LocalDeployment {
  readonly natsUrl: string;
  /** Each service's NATS user (`localBusUsers`); a service without one connects anonymously. */
  readonly natsUsers?: Partial<Record<LocalServiceName, NatsCredentials>>;
  /** The deployment's one event store. */
  readonly eventStoreUrl: string;
  /**
   * The shared data-key store of crypto-shredding, as its writer role (may read and add keys,
   * never destroy them): every service but retention.
   */
  readonly keyStoreUrl: string;
  /** The same store as its keeper role, the one that may destroy keys: retention's. Default: keyStoreUrl. */
  readonly keyStoreKeeperUrl?: string;
  /** Each service's private database. */
  readonly databases: {
    readonly gateway: string;
    readonly googleIngest: string;
    readonly webexBridge: string;
    readonly retention: string;
  };
  readonly googleUrl: string;
  readonly webexUrl: string;
  readonly ports: {
    readonly gateway: number;
    readonly googleIngest: number;
    readonly webexBridge: number;
    readonly retention: number;
  };
  readonly tenantDomain: string;
  readonly google: { readonly clientId: string; readonly clientSecret: string };
  readonly webex: { readonly clientId: string; readonly clientSecret: string };
  readonly secrets: { readonly oauthStateSecret: string; readonly keyEncryptionKey: string };
  /** JetStream name prefix; empty for the dev stack, unique per e2e test file. */
  readonly busPrefix?: string;
  readonly logLevel?: string;
}

export type LocalServiceName = 'gateway' | 'google-ingest' | 'webex-bridge' | 'retention';

/**
 * The environment of each service in a local deployment against the emulators: the one
 * place that knows which setting points where, shared by `npm start` and the e2e tests.
 */
export function localServiceEnvironments(
  deployment: LocalDeployment,
): Record<LocalServiceName, Record<string, string>> {
  const gatewayUrl = `http://127.0.0.1:${deployment.ports.gateway}`;
  const common = {
    HTTP_HOST: '127.0.0.1',
    NATS_URL: deployment.natsUrl,
    EVENT_STORE_URL: deployment.eventStoreUrl,
    BUS_PREFIX: deployment.busPrefix ?? '',
    LOG_LEVEL: deployment.logLevel ?? 'info',
  };
  const natsUser = (service: LocalServiceName): Record<string, string> => {
    const credentials = deployment.natsUsers?.[service];
    return credentials ? { NATS_USER: credentials.user, NATS_PASSWORD: credentials.password } : {};
  };
  const keys = {
    KEY_STORE_URL: deployment.keyStoreUrl,
    KEY_ENCRYPTION_KEY: deployment.secrets.keyEncryptionKey,
  };
  return {
    gateway: {
      ...common,
      ...natsUser('gateway'),
      ...keys,
      HTTP_PORT: String(deployment.ports.gateway),
      READ_MODEL_URL: deployment.databases.gateway,
      PUBLIC_BASE_URL: gatewayUrl,
      GOOGLE_CLIENT_ID: deployment.google.clientId,
      ALLOWED_HOSTED_DOMAINS: deployment.tenantDomain,
      OAUTH_STATE_SECRET: deployment.secrets.oauthStateSecret,
      GOOGLE_API_BASE_URL: deployment.googleUrl,
      WEBEX_CLIENT_ID: deployment.webex.clientId,
      WEBEX_AUTHORIZE_URL: `${deployment.webexUrl}/v1/authorize`,
      // One user at one address polls the API here (e2e tests, the demo) far faster than a person
      // would; the limits themselves are tested in the gateway's own tests.
      RATE_LIMIT_PER_USER: '6000',
      RATE_LIMIT_PER_IP: '60000',
    },
    'google-ingest': {
      ...common,
      ...natsUser('google-ingest'),
      ...keys,
      HTTP_PORT: String(deployment.ports.googleIngest),
      DATABASE_URL: deployment.databases.googleIngest,
      GOOGLE_CLIENT_ID: deployment.google.clientId,
      GOOGLE_CLIENT_SECRET: deployment.google.clientSecret,
      GOOGLE_REDIRECT_URI: `${gatewayUrl}/v1/oauth/google/callback`,
      GOOGLE_API_BASE_URL: deployment.googleUrl,
      PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${deployment.ports.googleIngest}`,
    },
    'webex-bridge': {
      ...common,
      ...natsUser('webex-bridge'),
      ...keys,
      HTTP_PORT: String(deployment.ports.webexBridge),
      DATABASE_URL: deployment.databases.webexBridge,
      WEBEX_API_BASE_URL: `${deployment.webexUrl}/v1`,
      WEBEX_CLIENT_ID: deployment.webex.clientId,
      WEBEX_CLIENT_SECRET: deployment.webex.clientSecret,
      WEBEX_REDIRECT_URI: `${gatewayUrl}/v1/oauth/webex/callback`,
      // The emulator posts each user's meetings notifications here.
      PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${deployment.ports.webexBridge}`,
    },
    retention: {
      ...common,
      ...natsUser('retention'),
      ...keys,
      KEY_STORE_URL: deployment.keyStoreKeeperUrl ?? deployment.keyStoreUrl,
      HTTP_PORT: String(deployment.ports.retention),
      DATABASE_URL: deployment.databases.retention,
    },
  };
}

/** What the global set-up started, as seen by test files (through the environment). */
export interface TestInfrastructure {
  readonly natsUrl: string;
  /**
   * Each service's and the admin CLI's NATS user on the test server, limited as in production
   * (their permissions allow any bus prefix). Empty when TEST_NATS_URL names a server of one's
   * own or under TEST_INFRA=containers: those have no authorization.
   */
  readonly natsUsers: Readonly<Record<string, { readonly user: string; readonly password: string }>>;
  readonly databaseUrl: string;
  /** Set only under TEST_INFRA=containers. */
  readonly eventStoreDbUrl?: string;
  /** Set only under TEST_INFRA=containers. */
  readonly mongoUrl?: string;
}

export class TestInfrastructureMissingError extends Error {
  constructor(variable: string) {
    super(
      `${variable} is not set. Int and e2e tests get their NATS and PostgreSQL from the jest global set-up ` +
        `(libs/testing/src/global-setup.ts); run them with npm test, or set ${variable} yourself.`,
    );
    this.name = 'TestInfrastructureMissingError';
  }
}

export function testInfrastructure(): TestInfrastructure {
  const natsUrl = process.env.TEST_NATS_URL;
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!natsUrl) throw new TestInfrastructureMissingError('TEST_NATS_URL');
  if (!databaseUrl) throw new TestInfrastructureMissingError('TEST_DATABASE_URL');
  return {
    natsUrl,
    natsUsers: process.env.TEST_NATS_USERS ? JSON.parse(process.env.TEST_NATS_USERS) : {},
    databaseUrl,
    ...(process.env.TEST_ESDB_URL ? { eventStoreDbUrl: process.env.TEST_ESDB_URL } : {}),
    ...(process.env.TEST_MONGODB_URL ? { mongoUrl: process.env.TEST_MONGODB_URL } : {}),
  };
}

export { freePort, waitForPort } from './ports.js';
export { startNatsServer, findNatsServerBinary, NatsServerNotInstalledError } from './nats-server.js';
export type { RunningNatsServer, NatsServerOptions } from './nats-server.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export { EmbeddedPostgresError, packagedPostgres } from './postgres-installation.js';
export type { PostgresInstallation } from './postgres-installation.js';
export type { RunningPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
export { localServiceEnvironments } from './local-deployment.js';
export type { LocalDeployment, LocalServiceName } from './local-deployment.js';

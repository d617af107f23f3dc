export { freePort, waitForPort } from './ports.js';
export { startNatsServer, natsServerConfig } from './nats-server.js';
export { natsAuthorizationConfig, localBusUsers } from './nats-users.js';
export type { NatsUser, NatsCredentials } from './nats-users.js';
export {
  findNatsServerBinary,
  locateNatsServer,
  natsServerVersion,
  parseNatsServerVersion,
  supportsSyncInterval,
  pinnedNatsServerVersion,
  projectNatsServer,
  projectToolsBin,
  NatsServerNotInstalledError,
  NatsServerVersionUnknownError,
} from './nats-server-binary.js';
export type { NatsServerVersion } from './nats-server-binary.js';
export type { RunningNatsServer, NatsServerOptions } from './nats-server.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export { EmbeddedPostgresError, packagedPostgres } from './postgres-installation.js';
export type { PostgresInstallation } from './postgres-installation.js';
export type { RunningPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
export { localServiceEnvironments } from './local-deployment.js';
export type { LocalDeployment, LocalServiceName } from './local-deployment.js';
export { createKeyStoreRoles } from './key-store-roles.js';
export type { KeyStoreRoles } from './key-store-roles.js';

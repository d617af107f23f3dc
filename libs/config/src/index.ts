export { loadConfig, ConfigurationError, env, serviceEnvironment } from './load-config.js';
export type { ServiceEnvironment } from './load-config.js';

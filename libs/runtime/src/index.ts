export { runService, createServiceApp } from './bootstrap.js';
export type { ServiceDefinition } from './bootstrap.js';
export { RuntimeModule } from './runtime.module.js';
export type { RuntimeOptions } from './runtime.module.js';
export { ReadinessRegistry } from './health/readiness-registry.js';
export type { ReadinessProbe } from './health/readiness-registry.js';
export { MetricsRegistry, metricOnce, tokenRefreshCounter } from './metrics/metrics.js';
export type { TokenRefreshOutcome } from './metrics/metrics.js';
export { correlationIdOf } from './logging/logging.js';
export { SERVICE_CONFIG, NATS_CONNECTION } from './tokens.js';
export {
  EventPlatformModule,
  EVENT_STORE,
  BUS_CLIENT,
  DATA_KEY_STORE,
  SEALED_ENVELOPES,
  RelayLifecycle,
} from './event-platform/event-platform.module.js';
export { platformEnvironment, checkKeyRing, keyEncryptionKeysOf } from './event-platform/personal-data.js';
export type { PlatformEnvironment } from './event-platform/personal-data.js';
export type { EventPlatformOptions } from './event-platform/event-platform.module.js';
export { PeriodicTask } from './scheduling/periodic-task.js';
export { sealedEventOpener } from './event-platform/sealed-event-opener.js';
export type { SealedEventOpenerOptions } from './event-platform/sealed-event-opener.js';
export { sealedEnvelopeCodec } from './event-platform/sealed-envelope-codec.js';
export { busStreamLimitsOf } from './event-platform/bus-stream-limits.js';
export { recordedTenantSettings } from './event-platform/tenant-settings.js';

export { EmulatorClock } from './core/clock.js';
export { FaultInjector, FaultRule } from './core/faults.js';
export type { FaultAnswer } from './core/faults.js';
export { RequestLog } from './core/request-log.js';
export type { LoggedRequest } from './core/request-log.js';
export { createGoogleEmulator, googleEmulatorEndpoints } from './google/index.js';
export type {
  GoogleEmulator,
  GoogleEmulatorOptions,
  GoogleEmulatorEndpoints,
  GoogleSeed,
  NotificationRecord,
  Channel,
  GoogleUser,
} from './google/index.js';
export * from './webex/index.js';
export { startEmulators } from './start-emulators.js';
export type { StartEmulatorsOptions, RunningEmulators } from './start-emulators.js';
export { seedDemoTenant, demoTenant, demoGoogleClient, demoWebexClient } from './demo.js';
export { EmulatorControl, EmulatorControlError } from './core/control-client.js';

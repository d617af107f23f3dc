export { testInfrastructure, TestInfrastructureMissingError } from './infrastructure.js';
export type { TestInfrastructure } from './infrastructure.js';
export { isolatedSchema, uniqueName, eventually } from './isolation.js';
export type { IsolatedSchema } from './isolation.js';
export { startServiceProcess } from './service-process.js';
export type { ServiceProcess, ServiceName } from './service-process.js';
export { describeServiceLifecycle } from './service-lifecycle.js';
export { startJourneyStack } from './journey-stack.js';
export type { JourneyStack } from './journey-stack.js';

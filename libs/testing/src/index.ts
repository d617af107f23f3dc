export { testInfrastructure, TestInfrastructureMissingError } from './infrastructure.js';
export type { TestInfrastructure } from './infrastructure.js';
export { isolatedSchema, uniqueName, eventually } from './isolation.js';
export type { IsolatedSchema } from './isolation.js';
export { startServiceProcess } from './service-process.js';
export type { ServiceProcess, ServiceSource } from './service-process.js';
export { describeServiceLifecycle } from './service-lifecycle.js';
export { DeciderSpecification } from './decider-specification.js';
export { typeScriptLoaderPath } from './type-script-loader.js';

export { startJourneyStack } from './journey-stack.js';
export type { JourneyStack, JourneyStackOptions, ServiceName } from './journey-stack.js';

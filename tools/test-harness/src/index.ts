export { startJourneyStack } from './journey-stack.js';
export type { JourneyStack, ServiceName } from './journey-stack.js';

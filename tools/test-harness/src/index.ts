export { startJourneyStack } from './journey-stack.js';
export type { JourneyStack, JourneyStackOptions, ServiceName } from './journey-stack.js';
export { Browser } from './browser.js';
export type { Hop } from './browser.js';

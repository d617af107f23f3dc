export { startJourneyStack } from './journey-stack.js';
export type { JourneyStack, JourneyStackOptions, ServiceName } from './journey-stack.js';
export { CHROMIUM_ARGS, DEBIAN_CHROMIUM, debianChromium } from './chromium.js';
export type { ChromiumAvailability } from './chromium.js';
export { Browser } from './browser.js';
export type { Hop } from './browser.js';

export * from './personal-fields.js';
export * from './meeting-timeline.js';
export * from './dead-letters.js';

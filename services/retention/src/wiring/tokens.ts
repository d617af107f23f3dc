/** retention's private database (the meeting timers); never the event store's pool. */
export const RETENTION_DATABASE = Symbol('RETENTION_DATABASE');
/** The Clock the timers run on: the system clock, or one a test moves forward. */
export const RETENTION_CLOCK = Symbol('RETENTION_CLOCK');

/** Injection tokens of google-ingest's own infrastructure (the shared ones come from @scheduler/runtime). */

/** pg.Pool on DATABASE_URL: the service's private database (tokens, channels, sync state). */
export const PRIVATE_DATABASE = Symbol('PRIVATE_DATABASE');
/** Google's endpoints: behind GOOGLE_API_BASE_URL when it is set (the emulator), the real ones otherwise. */
export const GOOGLE_ENDPOINTS = Symbol('GOOGLE_ENDPOINTS');

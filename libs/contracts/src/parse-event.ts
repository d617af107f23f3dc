import { eventContractsByType } from './catalogue/index.js';
import type { EventEnvelope } from './define.js';
import { UpcasterRegistry } from './upcasting.js';

/** The upcasters for the catalogue. Register a step here whenever a contract's schemaVersion grows. */
export const upcasters = new UpcasterRegistry(eventContractsByType);

/** Parses any stored or received event: upcast to the current version, then validate. */
export function parseEvent(raw: unknown): EventEnvelope {
  return upcasters.parse(raw);
}

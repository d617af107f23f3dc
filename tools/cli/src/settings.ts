// The CLI reads the services' own variables, validated by the services' own schema pieces
// (platformEnvironment of @scheduler/runtime, the gateway's READ_MODEL_URL). Each command asks
// only for what it uses, so reading dead letters needs no key material.
import { z } from 'zod';
import { loadConfig } from '@scheduler/config';
import { checkKeyRing, platformEnvironment } from '@scheduler/runtime';
import { gatewayReadModelEnvironment } from '@scheduler/gateway/projections';

const service = 'scheduler (admin CLI)';
const platform = platformEnvironment.shape;

const eventStoreEnvironment = z.object({ EVENT_STORE_URL: platform.EVENT_STORE_URL });

const personalDataEnvironment = z
  .object({
    KEY_STORE_URL: platform.KEY_STORE_URL,
    KEY_ENCRYPTION_KEY: platform.KEY_ENCRYPTION_KEY,
    KEY_ENCRYPTION_KEYS_PREVIOUS: platform.KEY_ENCRYPTION_KEYS_PREVIOUS,
  })
  .superRefine(checkKeyRing);

const busEnvironment = z.object({
  NATS_URL: platform.NATS_URL,
  // The admin CLI's own NATS user (scheduler-cli): it alone may change the streams.
  NATS_USER: platform.NATS_USER,
  NATS_PASSWORD: platform.NATS_PASSWORD,
  BUS_PREFIX: platform.BUS_PREFIX,
});
const busStreamEnvironment = busEnvironment.extend({
  BUS_STREAM_REPLICAS: platform.BUS_STREAM_REPLICAS,
  BUS_EVENTS_MAX_AGE_MS: platform.BUS_EVENTS_MAX_AGE_MS,
  BUS_EVENTS_MAX_BYTES: platform.BUS_EVENTS_MAX_BYTES,
  BUS_DUPLICATE_WINDOW_MS: platform.BUS_DUPLICATE_WINDOW_MS,
});

const auditEnvironment = eventStoreEnvironment
  .extend(personalDataEnvironment.shape)
  .superRefine(checkKeyRing);
const replayEnvironment = auditEnvironment
  .extend(gatewayReadModelEnvironment.shape)
  .superRefine(checkKeyRing);

export type AuditSettings = z.infer<typeof auditEnvironment>;
export type ReplaySettings = z.infer<typeof replayEnvironment>;
export type BusSettings = z.infer<typeof busEnvironment>;
export type BusStreamSettings = z.infer<typeof busStreamEnvironment>;
export type PersonalDataSettings = z.infer<typeof personalDataEnvironment>;

export const auditSettings = (environment: Record<string, string | undefined>): AuditSettings =>
  loadConfig(service, auditEnvironment, environment);
export const replaySettings = (environment: Record<string, string | undefined>): ReplaySettings =>
  loadConfig(service, replayEnvironment, environment);
export const busSettings = (environment: Record<string, string | undefined>): BusSettings =>
  loadConfig(service, busEnvironment, environment);
export const personalDataSettings = (environment: Record<string, string | undefined>): PersonalDataSettings =>
  loadConfig(service, personalDataEnvironment, environment);
export const busStreamSettings = (environment: Record<string, string | undefined>): BusStreamSettings =>
  loadConfig(service, busStreamEnvironment, environment);

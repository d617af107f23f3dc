import 'reflect-metadata';
import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { z } from 'zod';
import { BusMetrics, JetStreamServer, busNames } from '@scheduler/bus';
import { ConfigurationError, loadConfig, type ServiceEnvironment } from '@scheduler/config';
import { PersonalDataCodec } from '@scheduler/crypto-shredding';
import { busStreamLimitsOf } from './event-platform/bus-stream-limits.js';
import { busConnectionOf } from './infrastructure/bus-connection.js';

export interface ServiceDefinition<Config extends ServiceEnvironment> {
  readonly service: string;
  readonly environment: z.ZodObject<z.ZodRawShape> & z.ZodType<Config>;
  /** Builds the root module from the validated configuration. */
  readonly module: (config: Config) => Type<unknown> | DynamicModule;
  /**
   * Whether the service has @OnEvent/@OnCommand handlers: they are served by the JetStream
   * transport (durable pull consumers named after the service). Needs EventPlatformModule.
   */
  readonly consumesEvents?: boolean;
}

/**
 * Starts a service: validate configuration (fail fast, every problem listed), build the
 * Nest app with pino logs, listen, and on SIGTERM/SIGINT shut down gracefully: stop
 * taking work, drain consumers, finish in-flight work, close connections, exit 0.
 */
export async function runService<Config extends ServiceEnvironment>(
  definition: ServiceDefinition<Config>,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(definition.service, definition.environment, process.env) as Config;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const app = await createServiceApp(definition, config);
  const logger = app.get(Logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`, definition.service);
    const deadline = setTimeout(() => {
      logger.error(
        `shutdown did not finish within ${config.SHUTDOWN_TIMEOUT_MS} ms; exiting`,
        definition.service,
      );
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await app.close();
      logger.log('shutdown complete', definition.service);
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${String(error)}`, definition.service);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.log(`listening on http://${config.HTTP_HOST}:${config.HTTP_PORT}`, definition.service);
}

/**
 * Builds a service's Nest app from validated configuration: pino logs, and for services
 * that consume events, the JetStream transport (durable pull consumers named after the
 * service). Nothing listens or consumes until the caller starts it; tests use this too.
 */
export async function createServiceApp<Config extends ServiceEnvironment>(
  definition: ServiceDefinition<Config>,
  config: Config,
): Promise<INestApplication> {
  // rawBody: a webhook's signature is checked over the exact bytes received (request.rawBody).
  const app = await NestFactory.create(definition.module(config), {
    bufferLogs: true,
    abortOnError: false,
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  if (definition.consumesEvents) {
    const personalData = app.get(PersonalDataCodec);
    app.connectMicroservice(
      {
        strategy: new JetStreamServer({
          ...busConnectionOf(config, definition.service),
          names: busNames(config.BUS_PREFIX),
          defaultGroup: definition.service,
          // Creates missing streams with the configured limits; warns about, never resets, existing ones.
          checkStreams: busStreamLimitsOf(config),
          metrics: app.get(BusMetrics),
          connectionName: `${definition.service}-consumer`,
          // Handlers see the personal data the producer sealed, or Redacted once it was purged.
          openEvent: async (raw) => (await personalData.decode(raw)).event,
        }),
      },
      { inheritAppConfig: true },
    );
  }
  return app;
}

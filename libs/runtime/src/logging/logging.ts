import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';

const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a well-formed incoming correlation id, otherwise starts a new one. */
export function correlationIdOf(request: IncomingMessage): string {
  const header = request.headers[CORRELATION_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value && CORRELATION_ID.test(value) ? value : randomUUID();
}

/**
 * pino JSON logs. Request logs carry the correlation id and never bodies, tokens or
 * cookies: personal data and secrets stay out of logs.
 */
export function loggingModule(service: string, level: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'message',
      genReqId: (request, response) => {
        const id = correlationIdOf(request);
        response.setHeader(CORRELATION_HEADER, id);
        return id;
      },
      // Every request log line carries the correlation id that the events it causes carry too.
      customProps: (request) => ({ correlationId: (request as { id?: unknown }).id }),
      autoLogging: {
        ignore: (request) => (request.url ?? '').startsWith('/health') || request.url === '/metrics',
      },
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({
          method: request.method,
          // Query strings can carry OAuth codes and state: log the path only.
          path: request.url.split('?')[0],
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.token',
          '*.accessToken',
          '*.refreshToken',
        ],
        remove: true,
      },
    },
  });
}

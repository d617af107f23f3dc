import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { correlationIdOf } from '@scheduler/runtime';
import { errorResponseFor } from './error-mapping.js';

/** Routes of the public API; everything else (health, metrics) keeps Nest's own handling. */
export const API_PREFIX = '/v1';

/** The correlation id pino-http gave the request (echoed as x-correlation-id), or a fresh one. */
export function requestCorrelationId(request: Request): string {
  const id = (request as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : correlationIdOf(request);
}

/**
 * The API's one exception filter: every error under /v1 (including unknown routes and body
 * parse errors) is answered in the `{ error: { code, message, … } }` format. 5xx are logged
 * by error name and stack frames only; 4xx are not logged here (the request log has the status).
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('GatewayApi');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (!(request.originalUrl ?? request.url).startsWith(`${API_PREFIX}/`))
      return super.catch(exception, host);
    const correlationId = requestCorrelationId(request);
    const answer = errorResponseFor(exception, correlationId);
    if (answer.logFields)
      this.logger.error({ message: 'request failed', correlationId, ...answer.logFields });
    if (response.headersSent) return;
    if (answer.headers) response.set(answer.headers);
    response.status(answer.status).json(answer.body);
  }
}

import {
  type ArgumentsHost,
  Catch,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
} from '@nestjs/common';
import { BaseExceptionFilter, ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { correlationIdOf } from '@scheduler/runtime';
import { errorResponseFor } from './error-mapping.js';

/** Routes of the public API; everything else (health, metrics) keeps Nest's own handling. */
export const API_PREFIX = '/v1';

/**
 * Which methods a path of the API answers (none for an unknown path): lets an unrouted method on
 * a known path be a 405 with Allow rather than a 404. Provided by the module that knows the routes.
 */
export interface AllowedMethods {
  allowedMethods(path: string): readonly string[];
}
export const ALLOWED_METHODS = Symbol('ALLOWED_METHODS');

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

  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (!(request.originalUrl ?? request.url).startsWith(`${API_PREFIX}/`))
      return super.catch(exception, host);
    const correlationId = requestCorrelationId(request);
    const allowed = exception instanceof NotFoundException ? this.allowedMethods(request) : [];
    const answer =
      allowed.length > 0
        ? {
            ...errorResponseFor(new MethodNotAllowedException(), correlationId),
            headers: { allow: allowed.join(', ') },
          }
        : errorResponseFor(exception, correlationId);
    if (answer.logFields)
      this.logger.error({ message: 'request failed', correlationId, ...answer.logFields });
    if (response.headersSent) return;
    if (answer.headers) response.set(answer.headers);
    response.status(answer.status).json(answer.body);
  }

  /** The methods the request's path answers, when it is a known path the router found no handler for. */
  private allowedMethods(request: Request): readonly string[] {
    let routes: AllowedMethods;
    try {
      routes = this.moduleRef.get<AllowedMethods>(ALLOWED_METHODS, { strict: false });
    } catch {
      return [];
    }
    return routes.allowedMethods((request.originalUrl ?? request.url).split('?')[0]!);
  }
}

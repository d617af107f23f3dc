import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { errorResponseFor } from '../api-errors/error-mapping.js';
import type { GatewayConfig } from '../config.js';
import { type AuditPaths, auditPathsUnder, errorPage } from './audit-pages.js';
import { sendPage } from './audit-page-response.js';

/**
 * The /admin pages' errors: the same mapping as the API's (code, message, correlation id, 5xx
 * logged by name and frames only), shown as a page. A 401 links to the sign-in, which brings the
 * browser back to the page it asked for.
 */
@Catch()
export class AuditPageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AuditPage');
  private readonly paths: AuditPaths;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.paths = auditPathsUnder(new URL(config.PUBLIC_BASE_URL));
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const correlationId = requestCorrelationId(request);
    const answer = errorResponseFor(exception, correlationId);
    if (answer.logFields) this.logger.error({ message: 'page failed', correlationId, ...answer.logFields });
    if (response.headersSent) return;
    if (answer.headers) response.set(answer.headers);
    const { code, message } = answer.body.error;
    const back = request.method === 'GET' ? request.originalUrl : this.paths.overview;
    sendPage(
      response,
      answer.status,
      errorPage(this.paths, {
        status: answer.status,
        code,
        message,
        correlationId,
        ...(answer.status === 401
          ? { signInUrl: `${this.paths.signIn}?returnTo=${encodeURIComponent(back)}` }
          : {}),
      }),
    );
  }
}

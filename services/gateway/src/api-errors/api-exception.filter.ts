import {
  type ArgumentsHost,
  Catch,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
} from '@nestjs/common';
import { BaseExceptionFilter, ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { fallbackLanguage, languageFromAcceptLanguage, supportedLanguageOf } from '@scheduler/i18n';
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

/**
 * The language an authenticated user reads (their preference, else their Google locale), or
 * undefined when nothing is known of them. Provided by the module that knows the users.
 */
export interface UserLanguages {
  languageOf(principal: { readonly tenantId: string; readonly userId: string }): Promise<string | undefined>;
}
export const USER_LANGUAGES = Symbol('USER_LANGUAGES');

/** How long an error answer may wait for the user's language before it is written from the header. */
const LANGUAGE_LOOKUP_MS = 500;

/** The correlation id pino-http gave the request (echoed as x-correlation-id), or a fresh one. */
export function requestCorrelationId(request: Request): string {
  const id = (request as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : correlationIdOf(request);
}

/**
 * The API's one exception filter: every error under /v1 (including unknown routes and body
 * parse errors) is answered in the `{ error: { code, message, … } }` format, the message in the
 * caller's language (see `languageFor`). 5xx are logged by error name and stack frames only;
 * 4xx are not logged here (the request log has the status).
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
    void this.languageFor(request)
      .catch(() => undefined)
      .then((language) => this.answer(exception, request, response, language))
      .catch((error: unknown) =>
        this.logger.error({
          message: 'error answer failed',
          errorName: error instanceof Error ? error.name : typeof error,
        }),
      );
  }

  private answer(
    exception: unknown,
    request: Request,
    response: Response,
    language: string | undefined,
  ): void {
    const correlationId = requestCorrelationId(request);
    const allowed = exception instanceof NotFoundException ? this.allowedMethods(request) : [];
    const answer =
      allowed.length > 0
        ? {
            ...errorResponseFor(new MethodNotAllowedException(), correlationId, language),
            headers: { allow: allowed.join(', ') },
          }
        : errorResponseFor(exception, correlationId, language);
    if (answer.logFields)
      this.logger.error({ message: 'request failed', correlationId, ...answer.logFields });
    if (response.headersSent) return;
    if (answer.headers) response.set(answer.headers);
    // The language the message was written in (a cache must not serve it to another language).
    response.set('content-language', supportedLanguageOf(language) ?? fallbackLanguage);
    response.vary('accept-language');
    response.status(answer.status).json(answer.body);
  }

  /**
   * An authenticated caller's own language (the accounts read model: preference, else Google
   * locale); for anyone else, or a user the read model does not know yet, the request's
   * Accept-Language; English otherwise. A read model that is slow or failing costs the caller
   * their language, never the answer.
   */
  private async languageFor(request: Request): Promise<string | undefined> {
    const principal = (request as Request & { principal?: { tenantId: string; userId: string } }).principal;
    if (principal) {
      let users: UserLanguages | undefined;
      try {
        users = this.moduleRef.get<UserLanguages>(USER_LANGUAGES, { strict: false });
      } catch {
        users = undefined;
      }
      if (users) {
        let timer: NodeJS.Timeout | undefined;
        const known = await Promise.race([
          users.languageOf(principal).catch(() => undefined),
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), LANGUAGE_LOOKUP_MS);
          }),
        ]);
        clearTimeout(timer);
        if (known) return known;
      }
    }
    return languageFromAcceptLanguage(request.header('accept-language'));
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

import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

/**
 * What the OpenAPI document cannot read from a route by itself. Paths, methods, guards and the
 * request schemas come from the route's own decorators and ZodValidationPipes; only the success
 * answer and the errors a handler throws are declared here, next to the handler.
 */
export const API_ANSWER = 'scheduler:openapi:answer';
export const API_FAILURES = 'scheduler:openapi:failures';
export const API_INPUT = 'scheduler:openapi:input';

export interface ApiAnswerOptions {
  /** Defaults to the route's @HttpCode, else 200. */
  readonly status?: number;
  readonly description: string;
  /** The JSON body; none for a redirect or an empty answer. */
  readonly schema?: z.ZodType;
  /** A redirect's Location header. */
  readonly location?: string;
}

/** The route's success answer. */
export const ApiAnswer = (options: ApiAnswerOptions) => SetMetadata(API_ANSWER, options);

/**
 * The errors the handler itself can throw, as example instances: the document shows each
 * as the API answers it (status, code, body), so the examples cannot drift from the code.
 * Errors of guards, validation pipes and the rate limit are added by the document itself.
 */
export const ApiFailures = (...examples: unknown[]) => SetMetadata(API_FAILURES, examples);

/** Input a handler validates by hand (no ZodValidationPipe), e.g. a redirect's callback query. */
export const ApiInput = (input: { readonly query?: z.ZodObject }) => SetMetadata(API_INPUT, input);

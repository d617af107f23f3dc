import { Body, Controller, Delete, Get, Header, HttpCode, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { AuthenticationGuard, CurrentPrincipal } from '../authentication/authentication.guard.js';
import type { Principal } from '../authentication/identity-verifier.js';
import { ServiceUnavailableError, UpstreamFailedError } from '../api-errors/api-errors.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import { AccountErasure, type ErasureResource } from './account-erasure.js';
import { AccountErasedError, AccountNotFoundError, ErasureNotFoundError } from './account-erasure.errors.js';

/** What happens to the user's meetings that have not ended: cancelled (Webex and calendar), or kept as they are. */
const ErasureBody = z.strictObject({ futureMeetings: z.enum(['cancel', 'keep']) });

const ErasureAnswer = z.strictObject({
  status: z.enum(['erasing', 'erased']),
  futureMeetings: z.enum(['cancel', 'keep']),
  requestedAt: z.iso.datetime(),
  stepsCompleted: z.array(z.enum(['webex-bridge', 'google-ingest'])),
  erasedAt: z.iso.datetime().optional(),
});

/**
 * The user's right to be forgotten: `DELETE /v1/me` disconnects and erases the account. The
 * erasure runs in the background, step by step from events; the client polls
 * `GET /v1/me/erasure` (the 202's Location) until `status` is `erased`.
 */
@Controller('v1/me')
@UseGuards(AuthenticationGuard)
export class AccountErasureController {
  constructor(private readonly erasure: AccountErasure) {}

  @Delete()
  @HttpCode(202)
  @Header('Location', '/v1/me/erasure')
  @ApiAnswer({
    description:
      'The erasure is recorded and under way (the same answer while it runs); poll GET /v1/me/erasure',
    schema: ErasureAnswer,
  })
  @ApiFailures(
    new AccountNotFoundError(),
    new AccountErasedError('2026-12-01T09:00:00.000Z'),
    new UpstreamFailedError('erasure'),
    new ServiceUnavailableError('erasure'),
  )
  erase(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Body(new ZodValidationPipe(ErasureBody, 'body')) body: z.output<typeof ErasureBody>,
  ): Promise<ErasureResource> {
    return this.erasure.erase(principal, body.futureMeetings, requestCorrelationId(request));
  }

  @Get('erasure')
  @ApiAnswer({ description: "The caller's erasure and how far it got", schema: ErasureAnswer })
  @ApiFailures(new ErasureNotFoundError())
  status(@CurrentPrincipal() principal: Principal): Promise<ErasureResource> {
    return this.erasure.statusOf(principal);
  }
}

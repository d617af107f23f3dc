import { Body, Controller, Get, HttpCode, Put, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import { AuthenticationGuard, CurrentPrincipal } from '../authentication/authentication.guard.js';
import type { Principal } from '../authentication/identity-verifier.js';
import {
  PreferenceNotOfferedError,
  ServiceUnavailableError,
  UpstreamFailedError,
  WebexAccountNotConnectedError,
  WebexSiteNotAllowedError,
} from '../api-errors/api-errors.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { AccountStatus, type AccountStatusResource, type PreferencesResource } from './account-status.js';

/** A value sets the preference, `null` removes it, an absent field keeps it; at least one is given. */
const PreferencesBody = z
  .strictObject({
    siteUrl: primitives.WebexSiteUrl.nullable().optional(),
    templateId: primitives.MeetingTemplateId.nullable().optional(),
    language: primitives.Locale.max(35).nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'must name at least one of siteUrl, templateId, language',
    // Only a body that is otherwise valid: an unknown field alone is named, not also this.
    when: (payload) => payload.issues.length === 0,
  })
  // The refinement above, as JSON Schema says it: the OpenAPI document cannot read a refinement.
  .meta({ minProperties: 1 });

/** The authenticated user: their accounts' status and their meeting preferences. */
@Controller('v1/me')
@UseGuards(AuthenticationGuard)
export class MeController {
  constructor(private readonly status: AccountStatus) {}

  @Get()
  @ApiAnswer({
    description: "The user's Google and Webex connections, meeting settings and what Webex offers",
  })
  get(@CurrentPrincipal() principal: Principal): Promise<AccountStatusResource> {
    return this.status.statusOf(principal);
  }

  @Put('preferences')
  @HttpCode(200)
  @ApiAnswer({ description: "The user's meeting preferences after the change" })
  @ApiFailures(
    new PreferenceNotOfferedError([{ path: 'siteUrl', message: 'is not a site of your Webex account' }]),
    new WebexSiteNotAllowedError('other.webex.com', ['acme.webex.com']),
    new WebexAccountNotConnectedError(),
    new UpstreamFailedError('preference_change'),
    new ServiceUnavailableError('preference_change'),
    new ServiceUnavailableError('checking_preference'),
  )
  putPreferences(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Body(new ZodValidationPipe(PreferencesBody, 'body')) body: z.output<typeof PreferencesBody>,
  ): Promise<{ preferences: PreferencesResource }> {
    return this.status.changePreferences(principal, body, requestCorrelationId(request));
  }
}

import { Body, Controller, Get, HttpCode, Put, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { TenantSettings } from '@scheduler/contracts';
import {
  ServiceUnavailableError,
  TenantSettingsInconsistentError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { AllowDisabledTenant, AuthenticationGuard } from '../authentication/authentication.guard.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import {
  CurrentTenantAdministrator,
  TenantAdminGuard,
  type TenantAdministrator,
} from './tenant-admin.guard.js';
import type { TenantPolicyView } from './tenant-policy.js';
import { TenantSettingsService } from './tenant-settings.js';

/**
 * A default template must be on an allowed site. Checked after the body's own validation, as a
 * 422: the body is well-formed, and JSON Schema cannot say that one field must be in another.
 */
const templateSiteProblem = {
  path: 'defaultMeetingTemplate.siteUrl',
  message: 'must be one of allowedWebexSites',
} as const;
function checkDefaultTemplateSite(settings: z.output<typeof TenantSettings>): void {
  const { defaultMeetingTemplate: template, allowedWebexSites: allowed } = settings;
  if (template && allowed && !allowed.includes(template.siteUrl))
    throw new TenantSettingsInconsistentError([templateSiteProblem]);
}

/** The tenant's settings in force, as the routes answer them. */
export const TenantResource = z.strictObject({
  tenantId: z.string(),
  settings: TenantSettings,
  /** `settings`: recorded by an administrator; `defaults`: none yet, the deployment's defaults apply. */
  source: z.enum(['settings', 'defaults']),
  changedBy: z.string().optional(),
  changedAt: z.string().optional(),
});

/**
 * The tenant's administration, for the Workspace administrators of the caller's tenant. A
 * disabled tenant's administrators are admitted here, so they can enable it again.
 */
@Controller('v1/admin/tenant')
@AllowDisabledTenant()
@UseGuards(AuthenticationGuard, TenantAdminGuard)
export class TenantAdministrationController {
  constructor(private readonly settings: TenantSettingsService) {}

  @Get()
  @ApiAnswer({ description: "The tenant's settings in force", schema: TenantResource })
  get(@CurrentTenantAdministrator() administrator: TenantAdministrator): Promise<TenantPolicyView> {
    return this.settings.settingsOf(administrator);
  }

  @Put()
  @HttpCode(200)
  @ApiAnswer({
    description: "The tenant's settings after the change (recorded and audited)",
    schema: TenantResource,
  })
  @ApiFailures(
    new TenantSettingsInconsistentError([templateSiteProblem]),
    new UpstreamFailedError('tenant_settings_change'),
    new ServiceUnavailableError('tenant_settings_change'),
  )
  put(
    @CurrentTenantAdministrator() administrator: TenantAdministrator,
    @Req() request: Request,
    @Body(new ZodValidationPipe(TenantSettings, 'body')) body: z.output<typeof TenantSettings>,
  ): Promise<TenantPolicyView> {
    checkDefaultTemplateSite(body);
    return this.settings.change(administrator, body, requestCorrelationId(request));
  }
}

import { Controller, Get, Inject, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { InvalidRequestError } from '../api-errors/api-errors.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { CurrentPrincipal } from '../authentication/authentication.guard.js';
import type { Principal } from '../authentication/identity-verifier.js';
import type { GatewayConfig } from '../config.js';
import {
  CurrentTenantAdministrator,
  type TenantAdministrator,
  TenantAdminGuard,
} from '../tenant-administration/tenant-admin.guard.js';
import { AdminSessionGuard } from './admin-session.guard.js';
import { type AuditSearch, AuditData } from './audit-data.js';
import { AuditPageExceptionFilter } from './audit-page.filter.js';
import {
  AUDIT_STYLESHEET,
  type AuditPaths,
  auditPathsUnder,
  overviewPage,
  timelinePage,
} from './audit-pages.js';
import { sendPage, setPageHeaders } from './audit-page-response.js';

const isCalendarDay = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00.000Z`).toISOString().startsWith(value);

// An empty field is as good as an absent one: the search form always sends both.
const SearchQuery = z.strictObject({
  q: z
    .string()
    .max(1024)
    .transform((value) => value.trim())
    .optional(),
  date: z
    .string()
    .max(10)
    .refine((value) => value === '' || isCalendarDay(value), { message: 'must be a date (YYYY-MM-DD)' })
    .optional(),
});

const MeetingPath = z.strictObject({ meetingId: primitives.MeetingId });

/**
 * The tenant administrators' audit page (server-rendered, no script): meetings by status, the
 * tenant's dead letters, a search by meeting id, calendar event id or day, and each meeting's
 * timeline from the event log. Only a Workspace administrator of the tenant gets in (the session
 * gives the principal, TenantAdminGuard asks Google), and everything is scoped to that tenant.
 */
@Controller('admin/audit')
@UseFilters(AuditPageExceptionFilter)
export class AuditPageController {
  private readonly paths: AuditPaths;

  constructor(
    private readonly data: AuditData,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.paths = auditPathsUnder(new URL(config.PUBLIC_BASE_URL));
  }

  @Get()
  @UseGuards(AdminSessionGuard, TenantAdminGuard)
  async overview(
    @CurrentPrincipal() principal: Principal,
    @CurrentTenantAdministrator() administrator: TenantAdministrator,
    @Query(new ZodValidationPipe(SearchQuery, 'query')) query: z.output<typeof SearchQuery>,
    @Res() response: Response,
  ): Promise<void> {
    const search = this.searchOf(query);
    const [counts, deadLetters, found] = await Promise.all([
      this.data.statusCounts(administrator.tenantId),
      this.data.deadLetters(administrator.tenantId),
      search ? this.data.search(administrator.tenantId, search) : undefined,
    ]);
    sendPage(
      response,
      200,
      overviewPage({
        paths: this.paths,
        principal,
        counts,
        deadLetters,
        search: { ...(query.q ? { q: query.q } : {}), ...(query.date ? { date: query.date } : {}) },
        results: found?.meetings,
        resultsCapped: found?.capped ?? false,
      }),
    );
  }

  @Get('meetings/:meetingId')
  @UseGuards(AdminSessionGuard, TenantAdminGuard)
  async meeting(
    @CurrentPrincipal() principal: Principal,
    @CurrentTenantAdministrator() administrator: TenantAdministrator,
    @Param(new ZodValidationPipe(MeetingPath, 'path')) path: z.output<typeof MeetingPath>,
    @Res() response: Response,
  ): Promise<void> {
    const { timeline, view } = await this.data.timeline(administrator.tenantId, path.meetingId);
    sendPage(response, 200, timelinePage(this.paths, principal, timeline, view));
  }

  /** The pages' only style, served from here because the CSP allows no inline style. */
  @Get('audit.css')
  stylesheet(@Res() response: Response): void {
    setPageHeaders(response);
    response.set('cache-control', 'public, max-age=300');
    response.status(200).type('css').send(AUDIT_STYLESHEET);
  }

  private searchOf(query: z.output<typeof SearchQuery>): AuditSearch | undefined {
    if (query.q && query.date)
      throw new InvalidRequestError('query', [
        { path: 'date', message: 'search by an id or by a date, not both' },
      ]);
    if (query.q) return { q: query.q };
    if (query.date) return { date: query.date };
    return undefined;
  }
}

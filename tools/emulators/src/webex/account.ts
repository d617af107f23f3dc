import express, { type Router } from 'express';
import { sendWebexError } from './errors.js';
import { callerOf, requireScope } from './oauth.js';
import type { WebexState } from './state.js';

/** people/me, the user's sites and the meeting templates. */
export function accountRoutes(state: WebexState): Router {
  const router = express.Router();

  router.get('/v1/people/me', requireScope('spark:people_read'), (_request, response) => {
    const { user } = callerOf(response);
    response.json({
      id: user.id,
      emails: [user.email],
      phoneNumbers: [],
      displayName: user.displayName,
      nickName: user.firstName,
      firstName: user.firstName,
      lastName: user.lastName,
      avatar: `https://avatar-prod-us-east-2.webexcontent.com/default_avatar~1600`,
      orgId: state.orgId,
      created: user.created,
      lastModified: user.created,
      timezone: user.timezone,
      lastActivity: state.clock.now().toISOString(),
      siteUrls: user.sites.map((site) => `${site.siteUrl}#host`),
      status: 'active',
      type: 'person',
    });
  });

  router.get(
    '/v1/meetingPreferences/sites',
    requireScope('meeting:preferences_read'),
    (_request, response) => {
      const { user } = callerOf(response);
      response.json({ sites: user.sites.map((site) => ({ siteUrl: site.siteUrl, default: site.default })) });
    },
  );

  router.get('/v1/meetings/templates', requireScope('meeting:schedules_read'), (request, response) => {
    const { user } = callerOf(response);
    const query = request.query as Record<string, string | undefined>;
    if (query.templateType !== undefined && !['meeting', 'webinar'].includes(query.templateType))
      return sendWebexError(response, 400, 'templateType must be meeting or webinar.');
    const siteUrl = query.siteUrl ?? state.defaultSite(user);
    if (!user.sites.some((site) => site.siteUrl === siteUrl))
      return sendWebexError(response, 400, `siteUrl ${siteUrl} is not a site of the user.`);
    const items = state.templates
      .filter((template) => template.siteUrl === siteUrl)
      .filter((template) => query.templateType === undefined || template.templateType === query.templateType)
      .filter((template) => query.isDefault === undefined || String(template.isDefault) === query.isDefault)
      .filter(
        (template) => query.isStandard === undefined || String(template.isStandard) === query.isStandard,
      );
    response.json({ items });
  });

  return router;
}

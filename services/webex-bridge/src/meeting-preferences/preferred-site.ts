import type { MeetingPreferences } from '../webex-accounts/webex-account.decider.js';

/** Where a meeting is created: a site and, optionally, a template of that site. */
export interface SiteChoice {
  readonly siteUrl: string;
  readonly meetingTemplateId?: string;
}

/** A change asked for: a value replaces the preference, `null` removes it, absent keeps it. */
export interface PreferencesChange {
  readonly siteUrl?: string | null;
  readonly meetingTemplateId?: string | null;
  readonly language?: string | null;
}

/**
 * The site and template a new meeting is created on. The user's own choice comes first: the
 * directory's site is the user's default (an administrator's setting for everyone), and the
 * user chose among the sites their Webex account really has. Then the resolved site: the
 * directory's, else the account's default. A preferred template always belongs to the
 * preferred site (a template choice pins its site); a preferred site without one gets the
 * resolved template only when it is the same site, else none (Webex then uses the site's
 * default template).
 */
export function preferredSite(
  resolved: SiteChoice | undefined,
  preferences: MeetingPreferences,
): SiteChoice | undefined {
  const siteUrl = preferences.siteUrl;
  if (!siteUrl) return resolved;
  const meetingTemplateId =
    preferences.meetingTemplateId ?? (resolved?.siteUrl === siteUrl ? resolved.meetingTemplateId : undefined);
  return { siteUrl, ...(meetingTemplateId ? { meetingTemplateId } : {}) };
}

/**
 * The preferences after a change. A template belongs to a site: choosing another site (or none)
 * drops a template preference unless the change names a template too. The caller pins the site
 * of a chosen template into the change (see UserMeetingPreferences.change).
 */
export function applyPreferencesChange(
  current: MeetingPreferences,
  change: PreferencesChange,
): MeetingPreferences {
  let { siteUrl, meetingTemplateId, language } = current;
  if (change.siteUrl !== undefined) {
    if (change.siteUrl !== siteUrl) meetingTemplateId = undefined;
    siteUrl = change.siteUrl ?? undefined;
  }
  if (change.meetingTemplateId !== undefined) meetingTemplateId = change.meetingTemplateId ?? undefined;
  if (change.language !== undefined) language = change.language ?? undefined;
  return {
    ...(siteUrl ? { siteUrl } : {}),
    ...(meetingTemplateId ? { meetingTemplateId } : {}),
    ...(language ? { language } : {}),
  };
}

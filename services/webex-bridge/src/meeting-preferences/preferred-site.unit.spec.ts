import { describe, expect, it } from '@jest/globals';
import { applyPreferencesChange, preferredSite } from './preferred-site.js';

const resolved = { siteUrl: 'acme.webex.com', meetingTemplateId: 'acme-default' };

describe('the site a new meeting is created on', () => {
  it('is the resolved one (directory, else account default) without a preference', () => {
    expect(preferredSite(resolved, {})).toEqual(resolved);
    expect(preferredSite(resolved, { language: 'de' })).toEqual(resolved);
    expect(preferredSite(undefined, {})).toBeUndefined();
  });

  it('is the preferred site with its preferred template, over the resolved one', () => {
    expect(preferredSite(resolved, { siteUrl: 'hq.webex.com', meetingTemplateId: 'hq-board' })).toEqual({
      siteUrl: 'hq.webex.com',
      meetingTemplateId: 'hq-board',
    });
  });

  it('takes the resolved template only on the same site; another site gets Webex’s default template', () => {
    expect(preferredSite(resolved, { siteUrl: 'acme.webex.com' })).toEqual(resolved);
    expect(preferredSite(resolved, { siteUrl: 'hq.webex.com' })).toEqual({ siteUrl: 'hq.webex.com' });
    expect(preferredSite(undefined, { siteUrl: 'hq.webex.com' })).toEqual({ siteUrl: 'hq.webex.com' });
  });
});

describe('a change of the preferences', () => {
  const current = { siteUrl: 'hq.webex.com', meetingTemplateId: 'hq-board', language: 'de' };

  it('keeps what it does not name, replaces what it names, removes what it sets to null', () => {
    expect(applyPreferencesChange(current, {})).toEqual(current);
    expect(applyPreferencesChange(current, { language: 'fr-CA' })).toEqual({ ...current, language: 'fr-CA' });
    expect(applyPreferencesChange(current, { language: null })).toEqual({
      siteUrl: 'hq.webex.com',
      meetingTemplateId: 'hq-board',
    });
    expect(applyPreferencesChange(current, { meetingTemplateId: null })).toEqual({
      siteUrl: 'hq.webex.com',
      language: 'de',
    });
  });

  it('drops the template of a site no longer preferred, unless it names one', () => {
    expect(applyPreferencesChange(current, { siteUrl: 'acme.webex.com' })).toEqual({
      siteUrl: 'acme.webex.com',
      language: 'de',
    });
    expect(applyPreferencesChange(current, { siteUrl: null })).toEqual({ language: 'de' });
    expect(applyPreferencesChange(current, { siteUrl: 'hq.webex.com' })).toEqual(current);
    expect(
      applyPreferencesChange(current, { siteUrl: 'acme.webex.com', meetingTemplateId: 'acme-default' }),
    ).toEqual({ siteUrl: 'acme.webex.com', meetingTemplateId: 'acme-default', language: 'de' });
  });
});

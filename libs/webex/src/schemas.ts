import { z } from 'zod';

/**
 * What we rely on in Webex's answers. Objects are loose: Webex adds fields over time and that
 * must not break us; a missing or mistyped field we use must.
 */
export const WebexErrorBody = z.looseObject({
  message: z.string().optional(),
  errors: z.array(z.looseObject({ description: z.string().optional() })).optional(),
  trackingId: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

export const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  refresh_token_expires_in: z.number().positive(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});

const Telephony = z.looseObject({
  accessCode: z.string(),
  callInNumbers: z.array(
    z.looseObject({ label: z.string(), callInNumber: z.string(), tollType: z.string() }),
  ),
  links: z.array(z.looseObject({ rel: z.string(), href: z.string(), method: z.string() })).optional(),
});

/** MeetingSeriesObject: POST and GET /meetings answers. */
export const Meeting = z.looseObject({
  id: z.string().min(1),
  meetingNumber: z.string().optional(),
  title: z.string(),
  agenda: z.string().optional(),
  password: z.string(),
  meetingType: z.string(),
  state: z.string(),
  timezone: z.string(),
  start: z.string(),
  end: z.string(),
  /** The series' RRULE value; absent on a one-off meeting and on occurrences. */
  recurrence: z.string().optional(),
  hostEmail: z.string(),
  hostDisplayName: z.string().optional(),
  siteUrl: z.string(),
  webLink: z.url(),
  sipAddress: z.string().optional(),
  telephony: Telephony,
  integrationTags: z.array(z.string()).optional(),
});
export type Meeting = z.infer<typeof Meeting>;

/** MeetingObjectForListMeeting: list items, and the PATCH/PUT answers. */
export const MeetingListItem = Meeting.extend({
  meetingSeriesId: z.string(),
  /** Occurrences only: changed on its own. */
  isModified: z.boolean().optional(),
});
export type MeetingListItem = z.infer<typeof MeetingListItem>;

export const MeetingList = z.looseObject({ items: z.array(MeetingListItem) });

/** GetInviteeObject: list items and the create, get and update answers; bulk insert items too. */
export const MeetingInvitee = z.looseObject({
  id: z.string().min(1),
  email: z.string(),
  displayName: z.string().optional(),
  coHost: z.boolean().optional(),
  panelist: z.boolean().optional(),
  meetingId: z.string(),
});
export type MeetingInvitee = z.infer<typeof MeetingInvitee>;

export const MeetingInviteeList = z.looseObject({ items: z.array(MeetingInvitee) });

export const Person = z.looseObject({
  id: z.string(),
  emails: z.array(z.string()),
  displayName: z.string().optional(),
  timezone: z.string().optional(),
  siteUrls: z.array(z.string()).optional(),
});
export type Person = z.infer<typeof Person>;

export const Sites = z.looseObject({
  sites: z.array(z.looseObject({ siteUrl: z.string(), default: z.boolean() })),
});
export type Sites = z.infer<typeof Sites>;

export const MeetingTemplate = z.looseObject({
  id: z.string(),
  name: z.string(),
  locale: z.string(),
  siteUrl: z.string(),
  templateType: z.string(),
  isDefault: z.boolean(),
  isStandard: z.boolean(),
});
export type MeetingTemplate = z.infer<typeof MeetingTemplate>;
export const MeetingTemplates = z.looseObject({ items: z.array(MeetingTemplate) });

export const Webhook = z.looseObject({
  id: z.string(),
  name: z.string(),
  targetUrl: z.string(),
  resource: z.string(),
  event: z.string(),
  filter: z.string().optional(),
  secret: z.string().optional(),
  status: z.string().optional(),
  created: z.string().optional(),
});
export type Webhook = z.infer<typeof Webhook>;
export const WebhookList = z.looseObject({ items: z.array(Webhook) });

/** A meetings webhook notification, as delivered to our target URL. */
export const MeetingWebhookNotification = z.looseObject({
  id: z.string(),
  resource: z.literal('meetings'),
  event: z.string(),
  data: z.looseObject({ id: z.string(), meetingSeriesId: z.string().optional() }),
});
export type MeetingWebhookNotification = z.infer<typeof MeetingWebhookNotification>;

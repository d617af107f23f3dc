import { MeetingWebhookNotification } from '@scheduler/webex';

/**
 * What a meetings notification asks of us.
 * - check (`updated`, `deleted`): compare the meeting with Webex now (the drift check), which
 *   finds what changed there or that it is gone; the calendar stays the source of truth;
 * - ended (`ended`): record the real end;
 * - ignored: `created` and `started` (nothing of ours depends on them), any other event.
 */
export type NotificationAction =
  | { readonly kind: 'check' | 'ended'; readonly webexMeetingId: string }
  | { readonly kind: 'ignored'; readonly reason: string };

/** A notification body that is not a meetings notification at all. */
export class MalformedNotificationError extends Error {
  override readonly name = 'MalformedNotificationError';

  constructor(readonly reason: string) {
    super(`the Webex webhook notification is malformed: ${reason}`);
  }
}

/** The webhook id of a parsed body, which names whose secret signs it; throws when there is none. */
export function webhookIdOf(body: unknown): string {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > 256)
    throw new MalformedNotificationError('it names no webhook (id)');
  return id;
}

/** Parses the exact bytes received; throws MalformedNotificationError when they are not JSON. */
export function parseNotificationBody(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new MalformedNotificationError('the body is not JSON');
  }
}

/**
 * The action of a (signature-checked) notification. `ended` names the meeting's instance; the
 * series id (`meetingSeriesId`) is the Webex meeting id we created, as for the other events.
 */
export function notificationAction(body: unknown): NotificationAction {
  const resource = typeof body === 'object' && body !== null ? (body as { resource?: unknown }).resource : '';
  if (resource !== 'meetings') return { kind: 'ignored', reason: `resource ${String(resource)}` };
  const parsed = MeetingWebhookNotification.safeParse(body);
  if (!parsed.success) throw new MalformedNotificationError(parsed.error.issues[0]?.message ?? 'invalid');
  const { event, data } = parsed.data;
  const webexMeetingId = data.meetingSeriesId ?? data.id;
  switch (event) {
    case 'updated':
    case 'deleted':
      return { kind: 'check', webexMeetingId };
    case 'ended':
      return { kind: 'ended', webexMeetingId };
    default:
      return { kind: 'ignored', reason: `event ${event}` };
  }
}

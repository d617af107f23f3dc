/** Google's push notification headers (api-notes: push notifications), as our webhook receives them. */
export interface PushNotification {
  readonly channelId: string;
  /** Absent when the channel was created without one (ours never are). */
  readonly token: string | undefined;
  readonly resourceId: string;
  readonly resourceState: 'sync' | 'exists' | 'not_exists';
  readonly messageNumber: bigint;
}

export type NotificationHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

const RESOURCE_STATES = new Set(['sync', 'exists', 'not_exists']);

/** Reads the X-Goog-* headers (any case); undefined when they are missing or malformed. */
export function parsePushNotification(headers: NotificationHeaders): PushNotification | undefined {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    // A repeated header is not something Google sends: refuse rather than pick one.
    if (typeof value === 'string') lower.set(name.toLowerCase(), value);
    else if (value !== undefined) return undefined;
  }
  const channelId = lower.get('x-goog-channel-id');
  const resourceId = lower.get('x-goog-resource-id');
  const resourceState = lower.get('x-goog-resource-state');
  const messageNumber = lower.get('x-goog-message-number');
  const token = lower.get('x-goog-channel-token');
  if (!channelId || channelId.length > 64) return undefined;
  if (!resourceId || resourceId.length > 256) return undefined;
  if (!resourceState || !RESOURCE_STATES.has(resourceState)) return undefined;
  if (!messageNumber || !/^[0-9]{1,18}$/.test(messageNumber)) return undefined;
  if (token !== undefined && token.length > 256) return undefined;
  return {
    channelId,
    token,
    resourceId,
    resourceState: resourceState as PushNotification['resourceState'],
    messageNumber: BigInt(messageNumber),
  };
}

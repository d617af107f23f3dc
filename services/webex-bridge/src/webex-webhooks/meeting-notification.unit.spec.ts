import { describe, expect, it } from '@jest/globals';
import { verifyWebexSignature, webexSignature } from '@scheduler/webex';
import {
  MalformedNotificationError,
  notificationAction,
  parseNotificationBody,
  webhookIdOf,
} from './meeting-notification.js';

const seriesId = '0123456789abcdef0123456789ab0402';
const notification = (event: string, data: Record<string, unknown> = { id: seriesId }) => ({
  id: 'Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTY',
  name: 'Scheduler: meetings',
  resource: 'meetings',
  event,
  ownedBy: 'creator',
  data: { meetingType: 'meetingSeries', ...data },
});

describe('notificationAction: what a meetings notification asks of us', () => {
  it('updated and deleted → a drift check of the series', () => {
    expect(notificationAction(notification('updated'))).toEqual({ kind: 'check', webexMeetingId: seriesId });
    expect(notificationAction(notification('deleted'))).toEqual({ kind: 'check', webexMeetingId: seriesId });
  });

  it('ended names the instance: the series it belongs to is our Webex meeting', () => {
    expect(
      notificationAction(
        notification('ended', {
          id: `${seriesId}_I_1234`,
          meetingSeriesId: seriesId,
          meetingType: 'meeting',
        }),
      ),
    ).toEqual({ kind: 'ended', webexMeetingId: seriesId });
  });

  it('created, started and other resources are ignored', () => {
    expect(notificationAction(notification('created'))).toMatchObject({ kind: 'ignored' });
    expect(notificationAction(notification('started'))).toMatchObject({ kind: 'ignored' });
    expect(notificationAction({ ...notification('created'), resource: 'messages' })).toMatchObject({
      kind: 'ignored',
      reason: 'resource messages',
    });
  });

  it('a meetings notification without its meeting is malformed', () => {
    expect(() => notificationAction({ ...notification('updated'), data: {} })).toThrow(
      MalformedNotificationError,
    );
  });
});

describe('reading the body', () => {
  it('the webhook id names whose secret signs the body', () => {
    expect(webhookIdOf(notification('updated'))).toBe('Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTY');
    for (const body of [null, 'text', {}, { id: '' }, { id: 7 }])
      expect(() => webhookIdOf(body)).toThrow(MalformedNotificationError);
  });

  it('a body that is not JSON is malformed', () => {
    expect(() => parseNotificationBody(Buffer.from('{"id": '))).toThrow('the body is not JSON');
  });

  it('the signature is checked over the exact bytes, with the webhook secret', () => {
    const raw = Buffer.from(JSON.stringify(notification('ended')));
    const signature = webexSignature(raw, 'secret-1');
    expect(verifyWebexSignature(raw, signature, 'secret-1')).toBe(true);
    expect(verifyWebexSignature(raw, signature, 'secret-2')).toBe(false);
    // The same object re-serialised with other spacing is other bytes.
    const respaced = Buffer.from(JSON.stringify(notification('ended'), null, 1));
    expect(verifyWebexSignature(respaced, signature, 'secret-1')).toBe(false);
    expect(verifyWebexSignature(raw, undefined, 'secret-1')).toBe(false);
  });
});

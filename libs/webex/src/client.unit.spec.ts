import { describe, expect, it } from '@jest/globals';
import { WebexClient, WebexRequestInvalid, staticTokenProvider } from './index.js';

// Requests Webex would refuse are stopped before anything is sent.
const neverCalled: typeof fetch = async () => {
  throw new Error('no request may be sent');
};
const client = new WebexClient({
  baseUrl: 'https://webex.invalid/v1',
  tokens: staticTokenProvider('token'),
  fetch: neverCalled,
});
const times = { start: '2030-01-01T10:00:00Z', end: '2030-01-01T10:30:00Z' };

describe('WebexClient input checks', () => {
  it.each([
    [
      'four integration tags',
      { title: 'x', ...times, integrationTags: ['a', 'b', 'c'] },
      'at most 3 integrationTags',
    ],
    [
      'a tag over 64 characters',
      { title: 'x', ...times, integrationTags: ['t'.repeat(65)] },
      '1 to 64 characters',
    ],
    ['a title over 128 characters', { title: 'x'.repeat(129), ...times }, 'title longer than 128'],
    ['times that are not ISO 8601', { title: 'x', start: 'soon', end: 'later' }, 'ISO 8601'],
  ])('refuses %s with WebexRequestInvalid', async (_case, request, message) => {
    const error = await client
      .createMeeting(request, { integrationTag: 'our-meeting-id' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebexRequestInvalid);
    expect((error as WebexRequestInvalid).message).toContain(message);
  });
});

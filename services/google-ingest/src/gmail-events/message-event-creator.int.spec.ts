import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  codeVerifier,
  type GoogleIngestFixture,
  clientId,
  redirectUri,
  scopes,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';
import { CalendarEventReader } from '../calendar-events/calendar-event-reader.js';
import { MessageEventCreator } from './message-event-creator.js';
import { messageEventId } from './message-event.js';

const alice = 'alice@demo.example';
const bob = 'bob@demo.example';
const messageScope = 'https://www.googleapis.com/auth/gmail.addons.current.message.metadata';
const start = '2027-03-01T09:00:00Z';
const end = '2027-03-01T09:45:00Z';

let fixture: GoogleIngestFixture;
let creator: MessageEventCreator;
let aliceId: string;

const mailbox = (email: string) => `/google/gmail/users/${encodeURIComponent(email)}/messages`;

async function message(subject: string): Promise<{ messageId: string; messageToken: string }> {
  const { id } = (await fixture.control(mailbox(alice), {
    from: 'Erin Partner <erin@partner.example>',
    to: ['Alice <alice@demo.example>', 'bob@demo.example', '"Ops, Carol" <carol@demo.example>'],
    cc: ['dave@partner.example'],
    subject,
    body: 'never read',
  })) as { id: string };
  const { accessToken } = (await fixture.control(`${mailbox(alice)}/${id}/access-token`, {})) as {
    accessToken: string;
  };
  return { messageId: id, messageToken: accessToken };
}

const request = (read: { messageId: string; messageToken: string }, userId = aliceId) => ({
  tenantId,
  userId,
  ...read,
  start,
  end,
  timeZone: 'Europe/Berlin',
  correlationId: 'corr-gmail',
});

const aliceEvents = async () =>
  (
    (await fixture.control(`/google/calendars/${encodeURIComponent(alice)}/events`)) as {
      items: Array<{ id: string; summary?: string; status?: string }>;
    }
  ).items;

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('gmail_events', [
    { email: alice, name: 'Alice Example', timeZone: 'Europe/Berlin' },
    { email: bob, name: 'Bob Example' },
  ]);
  aliceId = fixture.users[alice]!.sub;
  // Alice consented to the add-on's Gmail scope, as the gateway asks now; Bob connected without it.
  const { code } = (await fixture.control('/google/authorize', {
    clientId,
    email: alice,
    scopes: [...scopes, messageScope],
    redirectUri,
  })) as { code: string };
  await fixture.connector.handle({ tenantId, code, redirectUri, codeVerifier, correlationId: 'corr-alice' });
  await fixture.connector.handle({
    tenantId,
    code: await fixture.authorize(bob),
    redirectUri,
    codeVerifier,
    correlationId: 'corr-bob',
  });
  creator = new MessageEventCreator({
    tokens: fixture.tokens,
    reader: new CalendarEventReader({ tokens: fixture.tokens, clock: () => fixture.emulator.clock.now() }),
  });
});

afterEach(async () => {
  await fixture.control('/faults', undefined, 'DELETE');
});

afterAll(async () => {
  await fixture?.close();
});

describe('MessageEventCreator', () => {
  it('makes the event on the primary calendar: subject as title, sender and recipients invited, the user organising', async () => {
    const read = await message('Contract review');
    const answer = await creator.create(request(read));
    const eventId = messageEventId({ userId: aliceId, messageId: read.messageId, start, end });
    expect(answer).toEqual({
      outcome: 'created',
      eventId,
      alreadyExisted: false,
      event: {
        calendarId: alice,
        title: 'Contract review',
        start: '2027-03-01T09:00:00.000Z',
        end: '2027-03-01T09:45:00.000Z',
        timeZone: 'Europe/Berlin',
        invitees: [
          { email: 'bob@demo.example' },
          { email: 'carol@demo.example', displayName: 'Ops, Carol' },
          { email: 'dave@partner.example' },
          { email: 'erin@partner.example', displayName: 'Erin Partner' },
        ],
        organizerEmail: alice,
        organizedByUser: true,
      },
    });
  });

  it('finds the same event when asked again: no second event', async () => {
    const read = await message('Asked twice');
    const first = await creator.create(request(read));
    const again = await creator.create(request(read));
    expect(again).toEqual({ ...first, alreadyExisted: true });
    expect((await aliceEvents()).filter((event) => event.summary === 'Asked twice')).toHaveLength(1);
  });

  it('refuses a token issued for another message, inserting nothing', async () => {
    const read = await message('Guarded');
    const other = await message('Other');
    expect(await creator.create(request({ ...read, messageToken: other.messageToken }))).toEqual({
      outcome: 'message-token-rejected',
    });
    expect((await aliceEvents()).some((event) => event.summary === 'Guarded')).toBe(false);
  });

  it('answers account-unavailable for an account connected without Gmail consent, and for an unknown user', async () => {
    const read = await message('Not for Bob');
    expect(await creator.create(request(read, fixture.users[bob]!.sub))).toEqual({
      outcome: 'account-unavailable',
    });
    expect(await creator.create(request(read, '100000000000000000999'))).toEqual({
      outcome: 'account-unavailable',
    });
  });

  it('answers event-deleted when the event made earlier for the same request was deleted since', async () => {
    const read = await message('Deleted later');
    const made = await creator.create(request(read));
    if (made.outcome !== 'created') throw new Error(`not created: ${made.outcome}`);
    await fixture.control(
      `/google/calendars/${encodeURIComponent(alice)}/events/${made.eventId}`,
      undefined,
      'DELETE',
    );
    expect(await creator.create(request(read))).toEqual({ outcome: 'event-deleted' });
  });

  it('answers google-unavailable when Gmail cannot be reached, inserting nothing', async () => {
    const read = await message('While Gmail is down');
    await fixture.control('/faults', { pathPrefix: '/gmail', status: 503 });
    expect(await creator.create(request(read))).toEqual({ outcome: 'google-unavailable' });
    expect((await aliceEvents()).some((event) => event.summary === 'While Gmail is down')).toBe(false);
  }, 60_000);
});

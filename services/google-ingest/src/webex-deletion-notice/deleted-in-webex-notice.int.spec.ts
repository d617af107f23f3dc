import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type EventOf,
  MeetingDriftDetected,
  MeetingPreferencesChanged,
  MeetingRequested,
  MeetingScheduled,
  createEvent,
  newUuidV7,
} from '@scheduler/contracts';
import { envelopeToEventToAppend } from '@scheduler/event-store';
import {
  codeVerifier,
  type GoogleIngestFixture,
  redirectUri,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';
import { buildOurConferenceData, readOurConference } from '../calendar-sync/conference.js';
import { DeletedInWebexNotice } from './deleted-in-webex-notice.js';

const alice = 'alice@demo.example';
const calendarPath = `/google/calendars/${encodeURIComponent(alice)}`;

let fixture: GoogleIngestFixture;
let notice: DeletedInWebexNotice;
let aliceId: string;

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('deleted_in_webex_notice', [{ email: alice, name: 'Alice' }]);
  aliceId = fixture.users[alice]!.sub;
  await fixture.connector.handle({
    tenantId,
    code: await fixture.authorize(alice),
    redirectUri,
    codeVerifier,
    correlationId: 'corr-deleted-in-webex',
  });
  notice = new DeletedInWebexNotice({
    eventStore: fixture.store,
    codec: fixture.sealed,
    tokens: fixture.tokens,
  });
}, 60_000);

afterAll(async () => {
  await fixture?.close();
}, 30_000);

const conferenceFor = (meetingId: string) =>
  buildOurConferenceData({
    meetingId,
    meetingNumber: '2551234567',
    joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef',
    siteUrl: 'acme.webex.com',
    dialIn: [{ number: '+1-415-655-0001' }],
    notes: 'Webex meeting number: 2551234567',
  });

/** A calendar event carrying the conference of `conferenceMeetingId`, as the attacher leaves it. */
async function eventCarrying(conferenceMeetingId: string): Promise<string> {
  const event = await fixture.control(`${calendarPath}/events`, {
    summary: 'Design review',
    start: { dateTime: '2027-05-01T09:00:00Z', timeZone: 'Europe/Berlin' },
    end: { dateTime: '2027-05-01T09:30:00Z', timeZone: 'Europe/Berlin' },
    conferenceData: conferenceFor(conferenceMeetingId),
  });
  return event!.id as string;
}

/** The meeting's stream as webex-bridge leaves it (request and schedule), and its drift event. */
async function meetingOn(
  eventId: string | undefined,
  found: 'deleted' | 'changed' = 'deleted',
  meetingId = newUuidV7(),
): Promise<EventOf<typeof MeetingDriftDetected>> {
  const streamId = `meeting-${meetingId}`;
  const requested = createEvent(MeetingRequested, {
    streamId,
    tenantId,
    correlationId: `corr-${meetingId}`,
    data: {
      meetingId,
      userId: aliceId,
      source: eventId ? 'calendar' : 'gmail',
      calendarId: alice,
      ...(eventId ? { eventId } : { gmailMessageId: 'msg-1' }),
      title: 'Design review',
      start: '2027-05-01T09:00:00Z',
      end: '2027-05-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [],
    },
  });
  const scheduled = createEvent(MeetingScheduled, {
    streamId,
    tenantId,
    cause: requested,
    data: {
      meetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      meetingNumber: '2551234567',
      siteUrl: 'acme.webex.com',
      webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef',
    },
  });
  await fixture.store.append(
    streamId,
    [
      envelopeToEventToAppend(await fixture.codec.encode(requested)),
      envelopeToEventToAppend(await fixture.codec.encode(scheduled)),
    ],
    'no_stream',
  );
  return createEvent(MeetingDriftDetected, {
    streamId,
    tenantId,
    cause: scheduled,
    data: {
      meetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      found,
      changed: found === 'changed' ? ['title'] : [],
    },
  });
}

const storedConference = async (eventId: string) => {
  const { items } = (await fixture.control(`${calendarPath}/events`)) as {
    items: Array<{ id: string; conferenceData?: Record<string, unknown> }>;
  };
  return items.find((item) => item.id === eventId)?.conferenceData;
};

const patchesOf = async (eventId: string) => {
  const { requests } = (await fixture.control('/requests?method=PATCH')) as {
    requests: Array<{ path: string }>;
  };
  return requests.filter((entry) => entry.path.endsWith(`/events/${eventId}`)).length;
};

describe('DeletedInWebexNotice', () => {
  it('writes into the event’s conference that the Webex meeting was deleted in Webex, keeping it ours; once', async () => {
    const meetingId = newUuidV7();
    const eventId = await eventCarrying(meetingId);
    const drift = await meetingOn(eventId, 'deleted', meetingId);
    const before = (await storedConference(eventId))!;

    expect(await notice.show(drift)).toEqual({ outcome: 'shown' });
    const after = (await storedConference(eventId))!;
    expect(after).toEqual({ ...before, notes: 'This Webex meeting was deleted in Webex.' });
    expect(readOurConference(after)).toEqual({ meetingId: drift.data.meetingId, conferenceId: '2551234567' });
    expect(await patchesOf(eventId)).toBe(1);

    // A redelivery, or the drift check finding it again: nothing more is written.
    expect(await notice.show(drift)).toEqual({ outcome: 'already-shown' });
    expect(await patchesOf(eventId)).toBe(1);
  });

  it('leaves alone a change found in Webex, an event carrying another meeting, a deleted event and a Gmail meeting', async () => {
    const changedMeetingId = newUuidV7();
    const changedEventId = await eventCarrying(changedMeetingId);
    expect(await notice.show(await meetingOn(changedEventId, 'changed', changedMeetingId))).toEqual({
      outcome: 'not-deleted',
    });

    // The event's conference names another meeting (a copy's was replaced): not this one's to mark.
    const otherEventId = await eventCarrying(newUuidV7());
    expect(await notice.show(await meetingOn(otherEventId))).toEqual({ outcome: 'not-carried' });

    const deletedMeetingId = newUuidV7();
    const deletedEventId = await eventCarrying(deletedMeetingId);
    const deleted = await meetingOn(deletedEventId, 'deleted', deletedMeetingId);
    await fixture.control(`${calendarPath}/events/${deletedEventId}`, undefined, 'DELETE');
    expect(await notice.show(deleted)).toEqual({ outcome: 'not-carried' });

    expect(await notice.show(await meetingOn(undefined))).toEqual({ outcome: 'no-calendar-event' });
    for (const eventId of [changedEventId, otherEventId, deletedEventId])
      expect(await patchesOf(eventId)).toBe(0);
  });
});

describe("DeletedInWebexNotice in the user's language", () => {
  /** Alice's language choice, appended to her Webex account's stream as webex-bridge (its writer) records it. */
  async function chooseLanguage(language: string) {
    const streamId = `webexAccount-${aliceId}`;
    const existing = await fixture.store.readStream(streamId).catch(() => []);
    const chosen = createEvent(MeetingPreferencesChanged, {
      streamId,
      tenantId,
      data: { userId: aliceId, language },
    });
    await fixture.store.append(
      streamId,
      [envelopeToEventToAppend(await fixture.codec.encode(chosen))],
      existing.length === 0 ? 'no_stream' : BigInt(existing.length - 1),
    );
  }

  it('writes the notice in the language Alice chose, and takes a notice in another language as shown', async () => {
    await chooseLanguage('fr');
    const meetingId = newUuidV7();
    const eventId = await eventCarrying(meetingId);
    const drift = await meetingOn(eventId, 'deleted', meetingId);

    expect(await notice.show(drift)).toEqual({ outcome: 'shown' });
    expect((await storedConference(eventId))!.notes).toBe('Cette réunion Webex a été supprimée dans Webex.');

    await chooseLanguage('ja');
    expect(await notice.show(drift)).toEqual({ outcome: 'already-shown' });
    expect(await patchesOf(eventId)).toBe(1);
  });
});

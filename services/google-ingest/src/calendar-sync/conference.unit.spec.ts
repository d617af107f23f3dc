import { describe, expect, it } from '@jest/globals';
import { newUuidV7 } from '@scheduler/contracts';
import {
  CONFERENCE_PARAMETER_MEETING_ID,
  ConferenceDataInvalidError,
  buildOurConferenceData,
  deletedInWebexConference,
  saysDeletedInWebex,
  readOurConference,
} from './conference.js';

const meetingId = newUuidV7();
const input = {
  meetingId,
  meetingNumber: '2551234567',
  joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef',
  siteUrl: 'acme.webex.com',
  password: 'Xy7pQ2rs',
  sipAddress: '2551234567@acme.webex.com',
  dialIn: [{ number: '+1-415-655-0001', label: 'US toll' }],
  notes: 'Join <the> Webex meeting',
};

describe('buildOurConferenceData', () => {
  it('writes an add-on conference with video, sip and phone entry points and our meeting id', () => {
    const data = buildOurConferenceData(input);
    expect(data).toEqual({
      conferenceSolution: { key: { type: 'addOn' }, name: 'Webex' },
      conferenceId: '2551234567',
      entryPoints: [
        {
          entryPointType: 'video',
          uri: input.joinUrl,
          label: 'acme.webex.com',
          meetingCode: '2551234567',
          password: 'Xy7pQ2rs',
        },
        { entryPointType: 'sip', uri: 'sip:2551234567@acme.webex.com', label: '2551234567@acme.webex.com' },
        { entryPointType: 'phone', uri: 'tel:+1-415-655-0001', label: 'US toll', accessCode: '2551234567' },
      ],
      notes: 'Join &#60;the&#62; Webex meeting',
      parameters: { addOnParameters: { parameters: { meetingId, scheduler: 'v1' } } },
    });
  });

  it('is recognised by readOurConference', () => {
    expect(readOurConference(buildOurConferenceData(input))).toEqual({
      meetingId,
      conferenceId: '2551234567',
    });
  });

  it.each([
    ['a meeting id that is not a UUIDv7', { meetingId: 'meeting-123' }, 'meetingId'],
    ['a join URL over http', { joinUrl: 'http://acme.webex.com/j' }, 'joinUrl'],
    ['a site outside webex.com', { siteUrl: 'evil.example.com' }, 'siteUrl'],
    ['a meeting number with letters', { meetingNumber: '25512x4567' }, 'meetingNumber'],
    ['notes too long once escaped', { notes: '<'.repeat(1_000) }, 'notes'],
  ])('refuses %s with a typed error naming the field', (_name, change, field) => {
    const error = (() => {
      try {
        buildOurConferenceData({ ...input, ...change });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConferenceDataInvalidError);
    expect((error as ConferenceDataInvalidError).issues.join(' ')).toContain(field);
  });
});

describe('readOurConference', () => {
  const ours = buildOurConferenceData(input);
  const withParameters = (parameters: Record<string, unknown>) => ({
    ...ours,
    parameters: { addOnParameters: { parameters } },
  });

  it.each([
    ['no conference', undefined],
    ['null', null],
    ['a string', 'conference'],
    ['a Google Meet conference', { ...ours, conferenceSolution: { key: { type: 'hangoutsMeet' } } }],
    ['an add-on without parameters', { ...ours, parameters: undefined }],
    ['another add-on', withParameters({ roomId: 'abc' })],
    [
      'a meeting id that is not a UUIDv7',
      withParameters({ [CONFERENCE_PARAMETER_MEETING_ID]: 'meeting-123' }),
    ],
    [
      'a UUIDv4 meeting id',
      withParameters({ [CONFERENCE_PARAMETER_MEETING_ID]: '4b6f1c1e-8f3a-4c7e-9d2b-1a2b3c4d5e6f' }),
    ],
    ['a meeting id that is a number', withParameters({ [CONFERENCE_PARAMETER_MEETING_ID]: 42 })],
    ['no conference id', { ...ours, conferenceId: undefined }],
    ['an empty conference id', { ...ours, conferenceId: '' }],
    [
      'parameters that are an array',
      { ...ours, parameters: { addOnParameters: { parameters: [meetingId] } } },
    ],
  ])('does not take %s for ours', (_name, conferenceData) => {
    expect(readOurConference(conferenceData)).toBeUndefined();
  });

  it('needs only the add-on type, the meeting id and a conference id (the version marker is optional)', () => {
    expect(
      readOurConference({
        conferenceSolution: { key: { type: 'addOn' } },
        conferenceId: '123456789',
        parameters: { addOnParameters: { parameters: { meetingId } } },
      }),
    ).toEqual({ meetingId, conferenceId: '123456789' });
  });

  it('keeps recognising a copy, whose conference data Google copies with its signature', () => {
    const copied = structuredClone({ ...ours, signature: 'c2lnbmF0dXJl' });
    expect(readOurConference(copied)).toEqual({ meetingId, conferenceId: '2551234567' });
  });
});

describe('deletedInWebexConference', () => {
  it('says the Webex meeting was deleted in Webex in the notes, and stays recognisable as ours', () => {
    const conference = buildOurConferenceData(input);
    const deleted = deletedInWebexConference(conference);
    expect(deleted).toEqual({ ...conference, notes: 'This Webex meeting was deleted in Webex.' });
    expect(readOurConference(deleted)).toEqual({ meetingId, conferenceId: '2551234567' });
  });

  it("says it in the user's language, and recognises the notice in any language", () => {
    const conference = buildOurConferenceData(input);
    const german = deletedInWebexConference(conference, 'de-DE');
    expect(german.notes).toBe('Diese Webex-Besprechung wurde in Webex gelöscht.');
    expect(saysDeletedInWebex(german.notes)).toBe(true);
    expect(saysDeletedInWebex(deletedInWebexConference(conference, 'ja').notes)).toBe(true);
    expect(saysDeletedInWebex(conference.notes)).toBe(false);
  });
});

import { allTranslations, translate } from '@scheduler/i18n';
import type { ConferenceData } from '@scheduler/google';
import { primitives } from '@scheduler/contracts';
import { z } from 'zod';

/**
 * How our conference looks inside a Google event's conferenceData. Everything that reads or
 * writes it uses these names, so recognition and the attach step can never drift apart.
 */
export const CONFERENCE_SOLUTION_TYPE = 'addOn';
/** addOnParameters.parameters key holding our meeting id (a UUIDv7): the link to our meeting. */
export const CONFERENCE_PARAMETER_MEETING_ID = 'meetingId';
/** addOnParameters.parameters key naming the layout version we wrote; recognition does not need it. */
export const CONFERENCE_PARAMETER_VERSION = 'scheduler';
export const CONFERENCE_PARAMETER_VERSION_VALUE = 'v1';

/** The link an event carries to one of our meetings (the contracts' ConferenceLink). */
export interface ConferenceLink {
  readonly meetingId: string;
  readonly conferenceId: string;
}

const MAXIMUM_CONFERENCE_ID_LENGTH = 256;
const MAXIMUM_NOTES_LENGTH = 2048;

/**
 * Our conference, if the event carries it: an add-on conference whose parameters hold a UUIDv7
 * meeting id, with a conference id. Anything else (Meet, another add-on, a half-written or
 * malformed conference) is not ours. Pure: no I/O, never throws.
 */
export function readOurConference(conferenceData: unknown): ConferenceLink | undefined {
  if (!isRecord(conferenceData)) return undefined;
  const solution = conferenceData.conferenceSolution;
  if (!isRecord(solution) || !isRecord(solution.key) || solution.key.type !== CONFERENCE_SOLUTION_TYPE)
    return undefined;
  const parameters = conferenceData.parameters;
  if (!isRecord(parameters) || !isRecord(parameters.addOnParameters)) return undefined;
  const values = parameters.addOnParameters.parameters;
  if (!isRecord(values)) return undefined;
  const meetingId = values[CONFERENCE_PARAMETER_MEETING_ID];
  if (typeof meetingId !== 'string' || !primitives.MeetingId.safeParse(meetingId).success) return undefined;
  const conferenceId = conferenceData.conferenceId;
  if (
    typeof conferenceId !== 'string' ||
    conferenceId.length === 0 ||
    conferenceId.length > MAXIMUM_CONFERENCE_ID_LENGTH
  )
    return undefined;
  return { meetingId, conferenceId };
}

const DialIn = z.strictObject({
  /** E.164-ish number as Webex lists it, e.g. "+1-415-655-0001". */
  number: z.string().regex(/^\+?[0-9][0-9 ()-]{2,40}$/, { message: 'must be a phone number' }),
  label: z.string().min(1).max(256).optional(),
});

export const OurConferenceInput = z.strictObject({
  meetingId: primitives.MeetingId,
  /** The Webex meeting number: Google's conferenceId and the code shown to users. */
  meetingNumber: z.string().regex(/^[0-9]{6,20}$/, { message: 'must be a Webex meeting number' }),
  joinUrl: primitives.HttpsUrl,
  /** Shown as the video entry's label, e.g. "acme.webex.com". */
  siteUrl: primitives.WebexSiteUrl,
  password: z.string().min(1).max(128).optional(),
  /** e.g. "2551234567@acme.webex.com". */
  sipAddress: z
    .string()
    .max(256)
    .regex(/^[^\s@]+@[^\s@]+$/, { message: 'must be a SIP address' })
    .optional(),
  dialIn: z.array(DialIn).max(10).default([]),
  /** Plain text; HTML-escaped into notes. */
  notes: z.string().max(1500).optional(),
  name: z.string().min(1).max(64).default('Webex'),
  iconUri: primitives.HttpsUrl.optional(),
});
export type OurConferenceInput = z.input<typeof OurConferenceInput>;

/** The conference to write was not valid; nothing was written. */
export class ConferenceDataInvalidError extends Error {
  override readonly name = 'ConferenceDataInvalidError';
  constructor(readonly issues: readonly string[]) {
    super(`our conference data is invalid: ${issues.join('; ')}`);
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * The conferenceData we write into an event (with conferenceDataVersion=1), in the form
 * readOurConference recognises. Google limits: one video and one sip entry point, uri ≤ 1300,
 * notes ≤ 2048 characters.
 */
export function buildOurConferenceData(input: OurConferenceInput): ConferenceData {
  const parsed = OurConferenceInput.safeParse(input);
  if (!parsed.success)
    throw new ConferenceDataInvalidError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  const value = parsed.data;
  const notes = value.notes ? escapeHtml(value.notes) : undefined;
  if (notes !== undefined && notes.length > MAXIMUM_NOTES_LENGTH)
    throw new ConferenceDataInvalidError([
      `notes: longer than ${MAXIMUM_NOTES_LENGTH} characters once HTML-escaped`,
    ]);
  const entryPoints: NonNullable<ConferenceData['entryPoints']> = [
    {
      entryPointType: 'video',
      uri: value.joinUrl,
      label: value.siteUrl,
      meetingCode: value.meetingNumber,
      ...(value.password ? { password: value.password } : {}),
    },
  ];
  if (value.sipAddress)
    entryPoints.push({ entryPointType: 'sip', uri: `sip:${value.sipAddress}`, label: value.sipAddress });
  for (const dialIn of value.dialIn)
    entryPoints.push({
      entryPointType: 'phone',
      uri: `tel:${dialIn.number.replace(/[ ()]/g, '')}`,
      label: dialIn.label ?? dialIn.number,
      accessCode: value.meetingNumber,
    });
  return {
    conferenceSolution: {
      key: { type: CONFERENCE_SOLUTION_TYPE },
      name: value.name,
      ...(value.iconUri ? { iconUri: value.iconUri } : {}),
    },
    conferenceId: value.meetingNumber,
    entryPoints,
    ...(notes !== undefined ? { notes } : {}),
    parameters: {
      addOnParameters: {
        parameters: {
          [CONFERENCE_PARAMETER_MEETING_ID]: value.meetingId,
          [CONFERENCE_PARAMETER_VERSION]: CONFERENCE_PARAMETER_VERSION_VALUE,
        },
      },
    },
  };
}

/**
 * The event's conference as it is, its notes saying (in the user's language) the Webex meeting
 * was deleted in Webex. The rest stays, so the event is still recognised as ours
 * (readOurConference) and a later deletion or removal still reaches the meeting.
 */
export function deletedInWebexConference(conferenceData: ConferenceData, language?: string): ConferenceData {
  return { ...conferenceData, notes: escapeHtml(translate(language, 'conference.deleted_in_webex')) };
}

/** Whether the notes already say the meeting was deleted in Webex, in any language (the user may have changed theirs). */
export function saysDeletedInWebex(notes: string | null | undefined): boolean {
  return (
    typeof notes === 'string' &&
    allTranslations('conference.deleted_in_webex').map(escapeHtml).includes(notes)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

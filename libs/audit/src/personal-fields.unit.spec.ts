import { describe, expect, it } from '@jest/globals';
import { REDACTED_FORGOTTEN, REDACTED_TAMPERED } from '@scheduler/crypto-shredding';
import { REDACTED, SEALED, TAMPERED, renderPersonalFields } from './personal-fields.js';

const opened = {
  event: {
    data: {
      meetingId: 'm1',
      title: 'Planning',
      invitees: [{ email: 'ada@example.com' }, { email: REDACTED_TAMPERED }],
      notes: REDACTED_FORGOTTEN,
    },
  },
  opened: ['data.title', 'data.invitees[0].email'],
  redacted: ['data.invitees[1].email', 'data.notes'],
  tampered: ['data.invitees[1].email'],
};

describe('renderPersonalFields', () => {
  it('shows opened values, and markers for destroyed keys and tampered values, by their path', () => {
    const rendered = renderPersonalFields(opened, 'opened');
    expect(rendered.personal).toEqual({
      title: 'Planning',
      'invitees[0].email': 'ada@example.com',
      'invitees[1].email': TAMPERED,
      notes: REDACTED,
    });
    expect(rendered.data).toEqual({
      meetingId: 'm1',
      title: 'Planning',
      invitees: [{ email: 'ada@example.com' }, { email: TAMPERED }],
      notes: REDACTED,
    });
  });

  it('replaces opened values by [sealed] when the output must not carry them, and leaves the event as it was', () => {
    const before = structuredClone(opened);
    const rendered = renderPersonalFields(opened, 'sealed');
    expect(rendered.data).toEqual({
      meetingId: 'm1',
      title: SEALED,
      invitees: [{ email: SEALED }, { email: TAMPERED }],
      notes: REDACTED,
    });
    expect(opened).toEqual(before);
  });
});

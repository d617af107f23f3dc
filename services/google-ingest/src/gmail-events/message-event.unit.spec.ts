import { describe, expect, it } from '@jest/globals';
import { attendeesOf, messageEventId, parseAddressList, titleOf } from './message-event.js';

describe('messageEventId', () => {
  const base = {
    userId: '108234567890123456789',
    messageId: '18c2f0a1b2c3d4e5',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
  };

  it('is an id Google accepts (base32hex, 5 to 1024 characters) and the same for the same request', () => {
    const id = messageEventId(base);
    expect(id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(id).toHaveLength(52);
    expect(messageEventId({ ...base })).toBe(id);
  });

  it('is the same for one instant written two ways, and differs for another user, message or time', () => {
    const id = messageEventId(base);
    expect(messageEventId({ ...base, start: '2026-12-01T10:00:00+01:00' })).toBe(id);
    expect(messageEventId({ ...base, userId: '108234567890123456780' })).not.toBe(id);
    expect(messageEventId({ ...base, messageId: '18c2f0a1b2c3d4e6' })).not.toBe(id);
    expect(messageEventId({ ...base, end: '2026-12-01T09:45:00Z' })).not.toBe(id);
  });
});

describe('parseAddressList', () => {
  it('reads names, quoted names with commas and bare addresses; emails lower-cased', () => {
    expect(
      parseAddressList(
        'Erin Example <Erin@Partner.example>, "Lovelace, Ada" <ada@example.com>, bob@demo.example',
      ),
    ).toEqual([
      { email: 'erin@partner.example', displayName: 'Erin Example' },
      { email: 'ada@example.com', displayName: 'Lovelace, Ada' },
      { email: 'bob@demo.example' },
    ]);
  });

  it('leaves out what is not an email, and reads nothing from an absent header', () => {
    expect(parseAddressList('undisclosed-recipients:;, <not an email>, carol@demo.example')).toEqual([
      { email: 'carol@demo.example' },
    ]);
    expect(parseAddressList(undefined)).toEqual([]);
  });
});

describe('attendeesOf', () => {
  it('invites the sender and every To and Cc recipient once, but not the user who organises the event', () => {
    expect(
      attendeesOf(
        {
          From: 'Erin <erin@partner.example>',
          To: 'Alice <ALICE@demo.example>, bob@demo.example, erin@partner.example',
          Cc: 'carol@demo.example, bob@demo.example',
        },
        'alice@demo.example',
      ),
    ).toEqual([
      { email: 'erin@partner.example', displayName: 'Erin' },
      { email: 'bob@demo.example' },
      { email: 'carol@demo.example' },
    ]);
  });

  it('takes the subject as the title', () => {
    expect(titleOf({ Subject: '  Kick-off  ' })).toBe('Kick-off');
    expect(titleOf({})).toBe('');
  });
});

import { describe, expect, it } from '@jest/globals';
import { canonicalCalendarId } from './calendar-id.js';

describe('canonicalCalendarId', () => {
  const owner = 'alice@demo.example';

  it('`primary` is the owner’s email, the primary calendar’s real id', () => {
    expect(canonicalCalendarId('primary', owner)).toBe(owner);
  });

  it('the owner’s email names the same calendar in any case', () => {
    expect(canonicalCalendarId(owner, owner)).toBe(owner);
    expect(canonicalCalendarId('Alice@Demo.Example', owner)).toBe(owner);
    expect(canonicalCalendarId('primary', 'Alice@Demo.Example')).toBe(owner);
  });

  it('`primary` and the email give one id, so one event is one calendar event', () => {
    expect(canonicalCalendarId('primary', owner)).toBe(canonicalCalendarId(owner, owner));
  });

  it('keeps any other calendar’s id exactly as Google gave it', () => {
    expect(canonicalCalendarId('Team@group.calendar.google.com', owner)).toBe(
      'Team@group.calendar.google.com',
    );
    expect(canonicalCalendarId('bob@demo.example', owner)).toBe('bob@demo.example');
    // Not the keyword: Google's keyword is lower case.
    expect(canonicalCalendarId('Primary', owner)).toBe('Primary');
  });
});

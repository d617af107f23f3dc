import { describe, expect, it } from '@jest/globals';
import { inviteeChanges } from './invitee-changes.js';

const onWebex = (...emails: string[]) =>
  emails.map((email, index) => ({ id: `meeting_${index + 1}`, email }));

describe('inviteeChanges', () => {
  it('nothing to do when Webex already has exactly the desired invitees', () => {
    expect(
      inviteeChanges(
        [{ email: 'grace@example.com', displayName: 'Grace' }, { email: 'alan@example.org' }],
        onWebex('alan@example.org', 'grace@example.com'),
      ),
    ).toEqual({ toAdd: [], toRemove: [] });
  });

  it('adds the desired invitees Webex lacks and removes the ones the calendar dropped', () => {
    const current = onWebex('alan@example.org', 'old@example.com');
    expect(
      inviteeChanges(
        [{ email: 'alan@example.org' }, { email: 'new@example.com', displayName: 'New' }],
        current,
      ),
    ).toEqual({ toAdd: [{ email: 'new@example.com', displayName: 'New' }], toRemove: [current[1]] });
  });

  it('compares emails case-insensitively, both ways', () => {
    expect(inviteeChanges([{ email: 'Grace@Example.COM' }], onWebex('grace@example.com'))).toEqual({
      toAdd: [],
      toRemove: [],
    });
    expect(inviteeChanges([{ email: 'grace@example.com' }], onWebex('GRACE@example.com'))).toEqual({
      toAdd: [],
      toRemove: [],
    });
  });

  it('ignores display names: Webex shows an account holder under the account name', () => {
    expect(
      inviteeChanges(
        [{ email: 'grace@example.com', displayName: 'Grace H.' }],
        [{ id: 'meeting_1', email: 'grace@example.com', displayName: 'Grace Hopper' }],
      ),
    ).toEqual({ toAdd: [], toRemove: [] });
  });

  it('adds each desired email once, sorted, however often the calendar lists it', () => {
    expect(
      inviteeChanges(
        [
          { email: 'zoe@example.com' },
          { email: 'bob@example.com', displayName: 'Bob' },
          { email: 'BOB@example.com' },
        ],
        [],
      ),
    ).toEqual({
      toAdd: [{ email: 'bob@example.com', displayName: 'Bob' }, { email: 'zoe@example.com' }],
      toRemove: [],
    });
  });

  it('removes extra copies of an email Webex holds twice, keeping the first', () => {
    const current = onWebex('bob@example.com', 'Bob@example.com', 'carol@example.com');
    expect(inviteeChanges([{ email: 'bob@example.com' }], current)).toEqual({
      toAdd: [],
      toRemove: [current[1], current[2]],
    });
  });

  it('an empty desired list removes everyone; an empty Webex list adds everyone', () => {
    const current = onWebex('a@example.com', 'b@example.com');
    expect(inviteeChanges([], current)).toEqual({ toAdd: [], toRemove: current });
    expect(inviteeChanges([{ email: 'a@example.com' }], [])).toEqual({
      toAdd: [{ email: 'a@example.com' }],
      toRemove: [],
    });
  });
});

import { describe, expect, it } from '@jest/globals';
import { findAll, findAllInCopy, isAtOrBelow, locate, parseFieldPath } from './field-paths.js';

const paths = (envelope: Record<string, unknown>, path: string) =>
  locate(envelope, 'data', parseFieldPath(path)).map((location) => [location.path, location.value]);

describe('personal-data field paths', () => {
  const envelope = {
    data: {
      title: 'Budget review',
      attendees: [{ email: 'a@example.com' }, { email: 'b@example.com', displayName: 'B' }],
      invitees: [{ email: 'c@example.com' }, { displayName: 'no email' }, 'not an object'],
      nested: { rows: [[{ secret: 1 }], [{ secret: 2 }, { secret: 3 }]] },
      nothing: null,
    },
  };

  it('finds a scalar field, a whole array, and a field inside array elements', () => {
    expect(paths(envelope, 'title')).toEqual([['data.title', 'Budget review']]);
    expect(paths(envelope, 'attendees')).toEqual([['data.attendees', envelope.data.attendees]]);
    expect(paths(envelope, 'invitees[].email')).toEqual([['data.invitees[0].email', 'c@example.com']]);
    expect(paths(envelope, 'nested.rows[][].secret').map(([path]) => path)).toEqual([
      'data.nested.rows[0][0].secret',
      'data.nested.rows[1][0].secret',
      'data.nested.rows[1][1].secret',
    ]);
  });

  it('skips absent optional fields but keeps null, and handles the whole data ("")', () => {
    expect(paths(envelope, 'password')).toEqual([]);
    expect(paths(envelope, 'attendees[].displayName')).toEqual([['data.attendees[1].displayName', 'B']]);
    expect(paths(envelope, 'nothing')).toEqual([['data.nothing', null]]);
    expect(paths(envelope, '')).toEqual([['data', envelope.data]]);
  });

  it('replaces values in place', () => {
    const copy = structuredClone(envelope);
    for (const location of locate(copy, 'data', parseFieldPath('attendees[].email'))) location.replace('x');
    expect(copy.data.attendees.map((attendee) => attendee.email)).toEqual(['x', 'x']);
  });

  it('finds values by shape anywhere, without descending into a match', () => {
    const found = findAll(
      envelope,
      'data',
      (value) => typeof value === 'object' && value !== null && 'secret' in value,
    );
    expect(found.map((location) => location.path)).toEqual([
      'data.nested.rows[0][0]',
      'data.nested.rows[1][0]',
      'data.nested.rows[1][1]',
    ]);
  });

  it('rejects paths it cannot address', () => {
    expect(() => parseFieldPath('a..b')).toThrow(/unsupported/);
    expect(() => parseFieldPath('a[0]')).toThrow(/unsupported/);
  });

  it('tells whether an issue path lies under a redacted path', () => {
    expect(isAtOrBelow('data.invitees[0].email', 'data.invitees')).toBe(true);
    expect(isAtOrBelow('data.invitees', 'data.invitees')).toBe(true);
    expect(isAtOrBelow('data.inviteesCount', 'data.invitees')).toBe(false);
  });
});

describe('findAllInCopy', () => {
  const isSecret = (value: unknown) => typeof value === 'object' && value !== null && 'secret' in value;

  it('finds what findAll finds, and replaces in a copy that shares every branch without a match', () => {
    const event = {
      id: 'e1',
      data: {
        title: 'kept',
        rows: [[{ secret: 1 }], [{ plain: 2 }]],
        other: { deep: { list: [1, 2] } },
        owner: { secret: 3 },
      },
    };
    const before = structuredClone(event);
    const { copy, found } = findAllInCopy(event, 'data', isSecret);
    expect(found.map((location) => [location.path, location.value])).toEqual(
      findAll(event, 'data', isSecret).map((location) => [location.path, location.value]),
    );
    for (const location of found) location.replace('opened');
    expect(event).toEqual(before);
    expect(copy).toEqual({
      id: 'e1',
      data: { ...before.data, rows: [['opened'], [{ plain: 2 }]], owner: 'opened' },
    });
    expect(copy).not.toBe(event);
    expect(copy.data.rows).not.toBe(event.data.rows);
    expect(copy.data.rows[1]).toBe(event.data.rows[1]);
    expect(copy.data.other).toBe(event.data.other);
  });

  it('returns the parent itself when nothing matches, and handles a match at the root key', () => {
    const event = { data: { plain: [1, { two: 2 }] } };
    expect(findAllInCopy(event, 'data', isSecret)).toEqual({ copy: event, found: [] });
    expect(findAllInCopy(event, 'data', isSecret).copy).toBe(event);
    const sealedRoot = { data: { secret: 1 } };
    const { copy, found } = findAllInCopy(sealedRoot, 'data', isSecret);
    expect(found.map((location) => location.path)).toEqual(['data']);
    found[0]!.replace('opened');
    expect(copy).toEqual({ data: 'opened' });
    expect(sealedRoot).toEqual({ data: { secret: 1 } });
  });
});

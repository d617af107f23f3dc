import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  ContractViolationError,
  MeetingRequested,
  UnknownEventTypeError,
  UnsupportedSchemaVersionError,
  UpcasterRegistry,
  defineEvent,
  eventCatalogue,
  exampleEvent,
  exampleEvents,
  newUuidV7,
  parseEvent,
  upcasters,
  type EventContract,
  type Upcaster,
} from './index.js';

// A test-only contract at version 3. Its history:
//   v1 { id, label }              v2 { roomId, label }              v3 { roomId, name, capacity }
const RoomRenamed = defineEvent({
  type: 'RoomRenamed',
  producer: 'webex-bridge',
  category: 'room',
  schemaVersion: 3,
  data: z.strictObject({ roomId: z.string().min(1), name: z.string().min(1), capacity: z.number().int() }),
});
const contracts: ReadonlyMap<string, EventContract> = new Map([[RoomRenamed.type, RoomRenamed]]);

const oneToTwo: Upcaster = {
  type: 'RoomRenamed',
  fromVersion: 1,
  upcast: (data) => {
    const { id, ...rest } = data as { id: string; label: string };
    return { roomId: id, ...rest };
  },
};
const twoToThree: Upcaster = {
  type: 'RoomRenamed',
  fromVersion: 2,
  upcast: (data) => {
    const { label, ...rest } = data as { roomId: string; label: string };
    return { ...rest, name: label, capacity: 0 };
  },
};

const registryWith = (...steps: Upcaster[]) => {
  const registry = new UpcasterRegistry(contracts);
  for (const step of steps) registry.register(step);
  return registry;
};

const stored = (schemaVersion: number, data: unknown) => ({
  id: newUuidV7(),
  type: 'RoomRenamed',
  schemaVersion,
  occurredAt: '2026-11-26T09:00:00Z',
  streamId: 'room-42',
  tenantId: 'example.com',
  correlationId: 'request-1',
  causationId: null,
  traceparent: null,
  data,
});

function rejectionOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('UpcasterRegistry', () => {
  const registry = registryWith(oneToTwo, twoToThree);

  it('upcasts v1 data step by step to v3, then validates it', () => {
    const event = stored(1, { id: '42', label: 'Boardroom' });
    expect(registry.parse(event)).toEqual({
      ...event,
      schemaVersion: 3,
      data: { roomId: '42', name: 'Boardroom', capacity: 0 },
    });
  });

  it('upcasts v2 data through the last step only', () => {
    const event = stored(2, { roomId: '42', label: 'Boardroom' });
    expect(registry.parse(event).data).toEqual({ roomId: '42', name: 'Boardroom', capacity: 0 });
  });

  it('validates current-version data as is', () => {
    const event = stored(3, { roomId: '42', name: 'Boardroom', capacity: 12 });
    expect(registry.parse(event)).toEqual(event);
  });

  it('does not change the stored event it upcasts', () => {
    const event = stored(1, { id: '42', label: 'Boardroom' });
    const before = structuredClone(event);
    registry.parse(event);
    expect(event).toEqual(before);
  });

  it('rejects an event newer than this build, telling to upgrade the consumer', () => {
    const error = rejectionOf(() => registry.parse(stored(4, { roomId: '42', name: 'x', capacity: 1 })));
    expect(error).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect(error).toMatchObject({ type: 'RoomRenamed', schemaVersion: 4, supportedVersion: 3 });
    expect(error.message).toBe(
      'RoomRenamed schemaVersion 4 is newer than this build supports (3); upgrade the consumer',
    );
  });

  it('rejects an old version with a gap in its upcaster chain', () => {
    const gapped = registryWith(twoToThree);
    const error = rejectionOf(() => gapped.parse(stored(1, { id: '42', label: 'Boardroom' })));
    expect(error).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect(error).toMatchObject({ type: 'RoomRenamed', schemaVersion: 1, supportedVersion: 3 });
    expect(error.message).toBe('RoomRenamed schemaVersion 1 has no upcaster to version 3');
    // The part of the chain that exists still works.
    expect(gapped.parse(stored(2, { roomId: '42', label: 'Boardroom' })).schemaVersion).toBe(3);
  });

  it('rejects a gap at the end of the chain too', () => {
    const error = rejectionOf(() => registryWith(oneToTwo).parse(stored(1, { id: '42', label: 'x' })));
    expect(error).toBeInstanceOf(UnsupportedSchemaVersionError);
  });

  it('rejects an unknown event type', () => {
    const error = rejectionOf(() => registry.parse({ ...stored(3, {}), type: 'RoomDemolished' }));
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(error).toMatchObject({ type: 'RoomDemolished', message: 'unknown event type "RoomDemolished"' });
  });

  it('rejects upcaster output that violates the current contract, with the path', () => {
    const careless = registryWith(oneToTwo, { ...twoToThree, upcast: (data) => data });
    const error = rejectionOf(() => careless.parse(stored(1, { id: '42', label: 'Boardroom' })));
    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).issues).toEqual([
      { path: 'data.name', message: 'is required' },
      { path: 'data.capacity', message: 'is required' },
      { path: 'data.label', message: 'is not allowed (unknown field)' },
    ]);
  });

  it('turns an upcaster that cannot read old data into a ContractViolationError', () => {
    const error = rejectionOf(() => registry.parse(stored(1, null)));
    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).issues).toEqual([
      { path: 'data', message: expect.stringContaining('cannot be upcast from schemaVersion 1: ') },
    ]);
  });

  it.each([
    ['not an object', 'text', { path: '(root)', message: 'must be an object' }],
    ['null', null, { path: '(root)', message: 'must be an object' }],
    ['no type', { schemaVersion: 1 }, { path: 'type', message: 'must be a string' }],
    [
      'a fractional schemaVersion',
      { ...stored(1, {}), schemaVersion: 1.5 },
      { path: 'schemaVersion', message: 'must be a positive integer' },
    ],
    [
      'a schemaVersion of 0',
      { ...stored(1, {}), schemaVersion: 0 },
      { path: 'schemaVersion', message: 'must be a positive integer' },
    ],
    [
      'a string schemaVersion',
      { ...stored(1, {}), schemaVersion: '3' },
      { path: 'schemaVersion', message: 'must be a positive integer' },
    ],
  ])('rejects %s with a ContractViolationError', (_name, raw, issue) => {
    const error = rejectionOf(() => registry.parse(raw));
    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).issues).toEqual([issue]);
  });

  it('upcast() returns the contract and the upcast envelope without validating it', () => {
    const event = { ...stored(1, { id: '42', label: 'Boardroom' }), streamId: 'not-a-room' };
    const { contract, envelope } = registry.upcast(event);
    expect(contract).toBe(RoomRenamed);
    // Still invalid (the stream id), which parse() would reject; upcast() leaves that to the caller.
    expect(envelope).toEqual({
      ...event,
      schemaVersion: 3,
      data: { roomId: '42', name: 'Boardroom', capacity: 0 },
    });
    expect(() => registry.parse(event)).toThrow(ContractViolationError);
  });

  it('validates the envelope of an upcast event as strictly as a current one', () => {
    const error = rejectionOf(() =>
      registry.parse({ ...stored(1, { id: '42', label: 'x' }), streamId: 'meeting-42' }),
    );
    expect((error as ContractViolationError).issues).toEqual([
      { path: 'streamId', message: 'must be a "room-<id>" stream name' },
    ]);
  });

  describe('register', () => {
    it('refuses a second upcaster for the same version', () => {
      const fresh = registryWith(oneToTwo);
      expect(() => fresh.register({ ...oneToTwo, upcast: (data) => data })).toThrow(
        'RoomRenamed@1: an upcaster for this version is already registered',
      );
    });

    it.each([3, 4])('refuses an upcaster from version %i, not below the current version 3', (fromVersion) => {
      expect(() => registryWith().register({ ...oneToTwo, fromVersion })).toThrow(
        `RoomRenamed@${fromVersion}: an upcaster must start below the current version 3`,
      );
    });

    it.each([0, -1, 1.5])('refuses an upcaster from version %d', (fromVersion) => {
      expect(() => registryWith().register({ ...oneToTwo, fromVersion })).toThrow(
        'fromVersion must be a positive integer',
      );
    });

    it('refuses an upcaster for an unknown type', () => {
      expect(() => registryWith().register({ ...oneToTwo, type: 'RoomDemolished' })).toThrow(
        UnknownEventTypeError,
      );
    });

    it('returns the registry, so steps chain', () => {
      const fresh = new UpcasterRegistry(contracts);
      expect(fresh.register(oneToTwo).register(twoToThree)).toBe(fresh);
    });
  });
});

describe('parseEvent (the catalogue registry)', () => {
  it('accepts every example of every catalogue event, round-tripped through JSON', () => {
    const events = exampleEvents();
    expect(new Set(events.map((event) => event.type)).size).toBe(eventCatalogue.length);
    for (const event of events) expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('rejects a catalogue event newer than this build', () => {
    const event = { ...exampleEvent(MeetingRequested), schemaVersion: MeetingRequested.schemaVersion + 1 };
    expect(() => parseEvent(event)).toThrow(UnsupportedSchemaVersionError);
  });

  it('rejects an invalid catalogue event with its contract name and path', () => {
    const event = exampleEvent(MeetingRequested);
    const error = rejectionOf(() => parseEvent({ ...event, data: { ...event.data, title: '' } }));
    expect(error).toBeInstanceOf(ContractViolationError);
    expect(error).toMatchObject({ contract: 'MeetingRequested' });
    expect((error as ContractViolationError).issues).toEqual([
      { path: 'data.title', message: 'Too small: expected string to have >=1 characters' },
    ]);
  });

  it('rejects an unknown type', () => {
    expect(() => parseEvent({ ...exampleEvent(MeetingRequested), type: 'MeetingTeleported' })).toThrow(
      UnknownEventTypeError,
    );
  });

  it('holds no upcaster yet, since every catalogue contract is at version 1', () => {
    // When a contract reaches version 2, register its step on `upcasters` and test it here.
    expect(eventCatalogue.every((contract) => contract.schemaVersion === 1)).toBe(true);
    expect(() =>
      upcasters.register({ type: 'MeetingRequested', fromVersion: 1, upcast: (data) => data }),
    ).toThrow('an upcaster must start below the current version 1');
  });
});

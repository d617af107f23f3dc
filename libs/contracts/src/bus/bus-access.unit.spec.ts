import { describe, expect, it } from '@jest/globals';
import {
  EndMeeting,
  ReadCalendarEvent,
  RecordConferenceAttached,
  RequestMeeting,
  commandCatalogue,
} from '../catalogue/index.js';
import { MeetingScheduled } from '../catalogue/meeting.js';
import { anyBusPrefix, busPermissions, busUsers, inboxPrefixOf } from './bus-access.js';
import { busNames } from './bus-names.js';

const production = busNames();

describe('busPermissions', () => {
  it('lets the gateway send exactly the commands whose contracts name it as a sender and read the dead letters, and nothing else', () => {
    const { publish, subscribe, allowResponses } = busPermissions('gateway', production);
    expect(publish).toContain(ReadCalendarEvent.subject);
    expect(publish).toContain(RequestMeeting.subject);
    expect(publish).not.toContain(EndMeeting.subject);
    expect(publish).not.toContain(RecordConferenceAttached.subject);
    expect([...publish].sort()).toEqual(
      [
        ...commandCatalogue
          .filter((command) => command.sentBy.includes('gateway'))
          .map((command) => command.subject),
        // Of JetStream, only reading the dead letters (the audit page counts them).
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.DEAD_LETTERS',
        '$JS.API.STREAM.MSG.GET.DEAD_LETTERS',
        '$JS.API.DIRECT.GET.DEAD_LETTERS',
        '$JS.API.DIRECT.GET.DEAD_LETTERS.>',
      ].sort(),
    );
    expect(subscribe).toEqual(['_INBOX_gateway.>']);
    expect(allowResponses).toBe(false);
  });

  it("gives an event's subject to its producer only", () => {
    const holders = busUsers.filter((user) =>
      busPermissions(user, production).publish.includes(MeetingScheduled.subject),
    );
    expect(holders).toEqual(['webex-bridge']);
  });

  it('lets the answering service subscribe to its commands and reply, and nobody else subscribe to them', () => {
    for (const command of commandCatalogue) {
      const subscribers = busUsers.filter((user) =>
        busPermissions(user, production).subscribe.includes(command.subject),
      );
      expect(subscribers).toEqual([command.service]);
    }
    expect(busPermissions('webex-bridge', production).allowResponses).toBe(true);
  });

  it('lets no service update a stream; the admin CLI may', () => {
    for (const user of busUsers) {
      const updates = busPermissions(user, production).publish.filter((subject) =>
        subject.startsWith('$JS.API.STREAM.UPDATE.'),
      );
      expect(updates.length > 0).toBe(user === 'scheduler-cli');
    }
  });

  it('widens only the prefix for a server that test files share', () => {
    const { publish, subscribe } = busPermissions('gateway', anyBusPrefix);
    expect(publish).toContain(`*.${RequestMeeting.subject}`);
    expect(subscribe).toEqual([`${inboxPrefixOf('gateway')}.>`]);
    expect(busPermissions('retention', anyBusPrefix).publish).toContain('$JS.API.CONSUMER.MSG.NEXT.*.*');
  });
});

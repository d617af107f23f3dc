import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  EndMeeting,
  MeetingScheduled,
  RecordConferenceAttached,
  RequestMeeting,
  busPermissions,
  inboxPrefixOf,
  type BusUser,
} from '@scheduler/contracts';
import { localBusUsers, startNatsServer, type RunningNatsServer } from '@scheduler/local-infra';
import { eventually } from '@scheduler/testing';
import { busNames, commandSubject, eventSubject } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';

// A server of its own, configured as `npm start` configures it and as the chart's users are
// derived: the users the contracts define, no anonymous access, no bus prefix.
const names = busNames();
const users = localBusUsers(names);
let server: RunningNatsServer;
const connections: NatsConnection[] = [];

async function connectAs(user: BusUser): Promise<NatsConnection> {
  const connection = await connect({
    servers: server.url,
    user,
    pass: users[user].password,
    inboxPrefix: inboxPrefixOf(user),
    name: `access-test-${user}`,
  });
  connections.push(connection);
  return connection;
}

/** The server's answer to a forbidden publish arrives asynchronously, as a status event. */
function permissionViolations(connection: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'error') seen.push(String(status.error));
    }
  })();
  return seen;
}

beforeAll(async () => {
  server = await startNatsServer({ users: Object.values(users), unsafeFast: true });
  // The admin CLI sets the streams up (`scheduler streams apply`).
  await ensureBusStreams(await jetstreamManager(await connectAs('scheduler-cli')), names, {
    duplicateWindowMs: 60_000,
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(connections.map((connection) => connection.close()));
  await server?.stop();
});

describe('NATS access control', () => {
  it('refuses a client without credentials, and one with a wrong password', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authoriz/i);
    await expect(
      connect({ servers: server.url, user: 'gateway', pass: 'not-its-password', reconnect: false }),
    ).rejects.toThrow(/authoriz/i);
  });

  it("does not store a meeting event the gateway publishes, and stores webex-bridge's", async () => {
    const gateway = await connectAs('gateway');
    const violations = permissionViolations(gateway);
    const subject = eventSubject(names, MeetingScheduled);
    const events = await jetstreamManager(await connectAs('scheduler-cli'));
    const before = (await events.streams.info(names.eventStream)).state.messages;

    await expect(jetstream(gateway).publish(subject, '{}', { timeout: 2_000 })).rejects.toThrow();
    await eventually(() =>
      expect(violations.join('\n')).toMatch(
        /Permissions Violation for Publish to "evt\.meeting\.MeetingScheduled"/,
      ),
    );
    expect((await events.streams.info(names.eventStream)).state.messages).toBe(before);

    // The same publish as the event's producer is stored: the refusal is the gateway's alone.
    const bridge = await connectAs('webex-bridge');
    const ack = await jetstream(bridge).publish(subject, '{}', { msgID: 'access-test-scheduled' });
    expect(ack.stream).toBe(names.eventStream);
    expect((await events.streams.info(names.eventStream)).state.messages).toBe(before + 1);
  });

  it('lets the gateway send RequestMeeting but not EndMeeting or RecordConferenceAttached, which it never sends', async () => {
    const bridge = await connectAs('webex-bridge');
    const received: string[] = [];
    for (const command of [RequestMeeting, EndMeeting, RecordConferenceAttached]) {
      bridge.subscribe(commandSubject(names, command), {
        queue: 'webex-bridge',
        callback: (_error, message) => {
          received.push(message.subject);
          message.respond(JSON.stringify({ response: { outcome: 'recorded' } }));
        },
      });
    }
    await bridge.flush();
    const gateway = await connectAs('gateway');

    const allowed = await gateway.request(commandSubject(names, RequestMeeting), '{}', { timeout: 5_000 });
    expect(allowed.json()).toEqual({ response: { outcome: 'recorded' } });

    for (const command of [EndMeeting, RecordConferenceAttached]) {
      await expect(gateway.request(commandSubject(names, command), '{}', { timeout: 2_000 })).rejects.toThrow(
        /permission/i,
      );
    }
    // The ones that do send them get their answer.
    const retention = await connectAs('retention');
    expect(
      (await retention.request(commandSubject(names, EndMeeting), '{}', { timeout: 5_000 })).json(),
    ).toEqual({
      response: { outcome: 'recorded' },
    });
    expect(received).toEqual([commandSubject(names, RequestMeeting), commandSubject(names, EndMeeting)]);
  });

  it("keeps each service's replies to itself: the gateway cannot read another's inbox or answer a command", async () => {
    const gateway = await connectAs('gateway');
    const violations = permissionViolations(gateway);
    gateway.subscribe(`${inboxPrefixOf('google-ingest')}.>`);
    gateway.subscribe('_INBOX.>');
    gateway.subscribe(commandSubject(names, RequestMeeting));
    await eventually(() => {
      const all = violations.join('\n');
      expect(all).toContain(
        `Permissions Violation for Subscription to "${inboxPrefixOf('google-ingest')}.>"`,
      );
      expect(all).toContain('Permissions Violation for Subscription to "_INBOX.>"');
      expect(all).toContain(
        `Permissions Violation for Subscription to "${commandSubject(names, RequestMeeting)}"`,
      );
    });
  });

  it('lets a service create a missing stream but not change one: only the admin CLI may', async () => {
    const bridge = await jetstreamManager(await connectAs('webex-bridge'));
    await expect(bridge.streams.update(names.eventStream, { max_age: nanos(60_000) })).rejects.toThrow();
    const cli = await jetstreamManager(await connectAs('scheduler-cli'));
    await cli.streams.update(names.eventStream, { max_age: nanos(3_600_000) });
    expect((await cli.streams.info(names.eventStream)).config.max_age).toBe(nanos(3_600_000));
  });

  it('lets the gateway read the dead letters (its audit page counts them) and nothing else of JetStream', async () => {
    const gateway = await jetstreamManager(await connectAs('gateway'), { timeout: 2_000 });
    expect((await gateway.streams.info(names.deadLetterStream)).config.name).toBe(names.deadLetterStream);
    await expect(gateway.streams.info(names.eventStream)).rejects.toThrow();
    await expect(gateway.streams.purge(names.deadLetterStream)).rejects.toThrow();
    await expect(gateway.streams.deleteMessage(names.deadLetterStream, 1)).rejects.toThrow();
  });

  it('derives every permission from the contracts: no user may publish on every subject', () => {
    for (const user of Object.keys(users) as BusUser[]) {
      const { publish, subscribe } = busPermissions(user, names);
      expect(publish).not.toContain('>');
      expect(subscribe).not.toContain('>');
      expect(subscribe).toContain(`${inboxPrefixOf(user)}.>`);
    }
  });
});

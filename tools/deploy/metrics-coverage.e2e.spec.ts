import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack, type ServiceName } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';
import { chartMetricNames, exportedMetricNames } from './metric-names.js';

// The chart's Grafana dashboard and alert rules read only metrics the services export: the four
// services run for real (NATS, PostgreSQL, the emulators), one meeting goes through, and their
// /metrics are compared with every metric name in files/grafana-dashboard.json and
// files/prometheus-rules.yaml. Metrics prom-client does not export until they have a sample are
// still listed by their # TYPE line, so a name is found even before it counts anything.
const services: readonly ServiceName[] = ['gateway', 'google-ingest', 'webex-bridge', 'retention'];
const alice = demoTenant.user;

let stack: JourneyStack;
const scrapes = new Map<ServiceName, string>();

const scrape = async (service: ServiceName) => {
  const response = await fetch(`${stack.services[service].baseUrl}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};

/** The value of one series in an exposition, e.g. sample(text, 'x_count'); undefined when absent. */
const sample = (exposition: string, series: string) => {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(exposition);
  return match ? Number(match[1]) : undefined;
};

beforeAll(async () => {
  stack = await startJourneyStack();
  const idToken = await stack.connectDemoUser();
  const startAt = new Date(Date.now() + 3 * 3600_000);
  startAt.setUTCMinutes(0, 0, 0);
  const event = await stack.google.request<{ id: string }>(
    `/google/calendars/${encodeURIComponent(alice)}/events`,
    {
      summary: 'Metrics review',
      start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
    },
  );
  const added = await stack.callGateway<{ meetingId: string }>(idToken, '/v1/meetings', {
    calendarId: alice,
    eventId: event.id,
  });
  expect(added.status).toBe(202);
  // The journey's histogram has its sample once webex-bridge created the Webex meeting.
  await eventually(
    async () => {
      const text = await scrape('webex-bridge');
      expect(sample(text, 'scheduler_meeting_request_to_converged_seconds_count')).toBeGreaterThanOrEqual(1);
    },
    60_000,
    250,
  );
  for (const service of services) scrapes.set(service, await scrape(service));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the chart's dashboard and alert rules", () => {
  const exported = () =>
    new Set(services.flatMap((service) => [...exportedMetricNames(scrapes.get(service)!)]));

  it('read only metrics a running service exports', () => {
    const { dashboard, rules } = chartMetricNames();
    expect(dashboard.length).toBeGreaterThan(10);
    expect(rules.length).toBeGreaterThan(5);
    expect(dashboard.filter((name) => !exported().has(name))).toEqual([]);
    expect(rules.filter((name) => !exported().has(name))).toEqual([]);
  });

  it('see values that measure something: the journey, the dead-letter depth, the oldest meeting not converged', () => {
    const bridge = scrapes.get('webex-bridge')!;
    const seconds = sample(bridge, 'scheduler_meeting_request_to_converged_seconds_sum')!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(60);
    // Read from JetStream at the scrape: nothing was dead-lettered.
    for (const service of services)
      expect(sample(scrapes.get(service)!, 'scheduler_bus_dead_letter_messages')).toBe(0);
    expect(sample(bridge, 'scheduler_meetings_not_converged_oldest_seconds')).toBeGreaterThanOrEqual(0);
    // google-ingest synced the calendar at least once when Google was connected.
    expect(scrapes.get('google-ingest')).toMatch(
      /^scheduler_calendar_syncs_total\{[^}]*outcome="(full|incremental)"/m,
    );
  });
});

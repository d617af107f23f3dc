// npm run bench -- journey: the time from a calendar change that Google notifies to the
// Webex meeting being updated, through the whole system (four service processes, NATS,
// PostgreSQL with durable settings, the emulators at zero latency), at a steady 20
// changes/s. Same-run baseline: one direct PATCH to the Webex emulator (the floor of the
// last hop). Writes bench/results/journey.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { startEmbeddedPostgres, startNatsServer } from '@scheduler/local-infra';
import { demoTenant } from '@scheduler/emulators';

const RATE_PER_SECOND = Number(process.env.JOURNEY_RATE ?? 20);
const SECONDS = Number(process.env.JOURNEY_SECONDS ?? 15);
const MEETINGS = 20;

const nats = await startNatsServer({ maxFileStore: '1T' });
const natsSync = `${nats.version}, ${nats.syncAlways ? 'sync_interval: always' : 'default lazy fsync'}`;
const postgres = await startEmbeddedPostgres();
process.env.TEST_NATS_URL = nats.url;
process.env.TEST_DATABASE_URL = postgres.url;
const { startJourneyStack } = await import('@scheduler/test-harness');
const stack = await startJourneyStack().catch(async (error: unknown) => {
  // A service that never became ready must not leave the servers this script started running.
  await nats.stop();
  await postgres.stop();
  throw error;
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (value: number) => Math.round(value * 10) / 10;

try {
  const idToken = await stack.connectDemoUser();
  const calendar = `/google/calendars/${encodeURIComponent(demoTenant.user)}/events`;
  const base = new Date(Date.now() + 3 * 24 * 3600_000);
  base.setUTCMinutes(0, 0, 0);

  // Twenty events with a Webex meeting each.
  const events: Array<{ eventId: string; meetingId: string; webexId: string }> = [];
  for (let index = 0; index < MEETINGS; index++) {
    const start = new Date(base.getTime() + index * 2 * 3600_000);
    const event = await stack.google.request<{ id: string }>(calendar, {
      summary: `Bench ${index}`,
      start: { dateTime: start.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(start.getTime() + 1800_000).toISOString(), timeZone: 'Europe/Berlin' },
    });
    const response = await fetch(`${stack.gatewayUrl}/v1/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify({ calendarId: demoTenant.user, eventId: event.id }),
    });
    const { meetingId } = (await response.json()) as { meetingId: string };
    events.push({ eventId: event.id, meetingId, webexId: '' });
  }
  for (const entry of events) {
    for (let attempt = 0; attempt < 400 && !entry.webexId; attempt++) {
      const { meetings } = await stack.webex.request<{
        meetings: Array<{ id: string; integrationTags?: string[] }>;
      }>('/webex/meetings');
      entry.webexId =
        meetings.find((meeting) => meeting.integrationTags?.includes(entry.meetingId))?.id ?? '';
      if (!entry.webexId) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!entry.webexId) throw new Error(`meeting ${entry.meetingId} never reached Webex`);
  }
  await stack.webex.request('/requests', undefined, 'DELETE');

  // Baseline: the last hop alone, a PATCH straight to the Webex emulator.
  const { access_token: accessToken } = await stack.webex.request<{ access_token: string }>('/webex/tokens', {
    email: demoTenant.user,
  });
  const baseline: number[] = [];
  for (let index = 0; index < 50; index++) {
    const started = performance.now();
    await fetch(`${stack.emulators.webexUrl}/v1/meetings/${events[0]!.webexId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ title: 'Bench 0' }),
    });
    baseline.push(performance.now() - started);
  }
  await stack.webex.request('/requests', undefined, 'DELETE');

  // The paced run: change event times round-robin at RATE_PER_SECOND.
  const changes: Array<{ webexId: string; sentAt: number; start: string }> = [];
  const total = RATE_PER_SECOND * SECONDS;
  const began = Date.now();
  for (let index = 0; index < total; index++) {
    const due = began + (index * 1000) / RATE_PER_SECOND;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const entry = events[index % MEETINGS]!;
    const round = Math.floor(index / MEETINGS) + 1;
    const start = new Date(base.getTime() + (index % MEETINGS) * 2 * 3600_000 + round * 5 * 60_000);
    const sentAt = Date.now();
    changes.push({ webexId: entry.webexId, sentAt, start: start.toISOString() });
    void stack.google.request(
      `${calendar}/${entry.eventId}`,
      {
        start: { dateTime: start.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(start.getTime() + 1800_000).toISOString(), timeZone: 'Europe/Berlin' },
      },
      'PATCH',
    );
  }
  // Wait for the tail, then match each change to the Webex PATCH that carried its start time.
  const latencies: number[] = [];
  let missing = 0;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { requests } = await stack.webex.request<{
      requests: Array<{ at: string; method: string; path: string; body: { start?: string } }>;
    }>('/requests?method=PATCH&pathPrefix=/v1/meetings');
    latencies.length = 0;
    missing = 0;
    for (const change of changes) {
      const applied = requests.find(
        (request) =>
          request.path.endsWith(change.webexId) &&
          request.body?.start !== undefined &&
          Date.parse(request.body.start) === Date.parse(change.start),
      );
      if (applied) latencies.push(Date.parse(applied.at) - change.sentAt);
      else missing++;
    }
    if (missing === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const summary = {
    benchmark: 'journey',
    measuredAt: new Date().toISOString(),
    parameters: { ratePerSecond: RATE_PER_SECOND, seconds: SECONDS, meetings: MEETINGS, changes: total },
    notes: `Calendar change (emulator control PATCH, which triggers the push) → Webex PATCH seen by the emulator. Four service processes from sources, one nats-server (${natsSync}), embedded PostgreSQL with durable settings, emulators in the bench process at zero latency.`,
    changeToWebexUpdate: {
      applied: latencies.length,
      missing,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
    },
    baselineDirectWebexPatch: {
      p50Ms: round(percentile(baseline, 50)),
      p99Ms: round(percentile(baseline, 99)),
    },
    target: { p99Ms: 500 },
  };
  console.table({
    'change → Webex update': {
      p50Ms: summary.changeToWebexUpdate.p50Ms,
      p99Ms: summary.changeToWebexUpdate.p99Ms,
    },
    'baseline: direct Webex PATCH': summary.baselineDirectWebexPatch,
  });
  console.log(
    `${latencies.length}/${total} changes reached Webex (${missing} missing); p99 ${summary.changeToWebexUpdate.p99Ms} ms vs target 500 ms; ` +
      `p50 ratio to the direct PATCH ${round(summary.changeToWebexUpdate.p50Ms / summary.baselineDirectWebexPatch.p50Ms)}×`,
  );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/journey.json', import.meta.url), JSON.stringify(summary, null, 2) + '\n');
} finally {
  await stack.stop();
  await nats.stop();
  await postgres.stop();
}

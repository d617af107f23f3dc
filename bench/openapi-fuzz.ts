// npm run bench -- openapi-fuzz: schemathesis (pinned, installed into .tools/venv) fuzzes the
// gateway from its own OpenAPI document (GET /v1/openapi.json), against the whole stack (four
// service processes, NATS, PostgreSQL, the emulators), authenticated as the demo user. Prints
// the operations tested, requests made, 5xx answers and schema violations, and writes
// bench/results/openapi-fuzz.json. Without python3 it says so and exits 0.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, startNatsServer } from '@scheduler/local-infra';
import { demoTenant } from '@scheduler/emulators';
import { SCHEMATHESIS_VERSION, ensureSchemathesis } from './_python-tools.js';

const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

const schemathesis = ensureSchemathesis();
if (!schemathesis) process.exit(0);

const nats = await startNatsServer();
const postgres = await startEmbeddedPostgres();
process.env.TEST_NATS_URL = nats.url;
process.env.TEST_DATABASE_URL = postgres.url;
const { startJourneyStack } = await import('@scheduler/test-harness');
// The fuzzer is one user at one address sending thousands of requests: the limits would turn
// most of them into 429s, so they are raised here (the rate-limit test covers them).
const stack = await startJourneyStack({
  environment: { gateway: { RATE_LIMIT_PER_USER: '1000000', RATE_LIMIT_PER_IP: '1000000' } },
}).catch(async (error: unknown) => {
  await nats.stop();
  await postgres.stop();
  throw error;
});

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number };
}

const reports = mkdtempSync(join(tmpdir(), 'openapi-fuzz-'));
try {
  const idToken = await stack.connectDemoUser();
  // One meeting of the demo user, so reading a meeting by id can answer 200.
  const start = new Date(Date.now() + 2 * 24 * 3600_000);
  start.setUTCMinutes(0, 0, 0);
  const calendarEvent = await stack.google.request<{ id: string }>(
    `/google/calendars/${encodeURIComponent(demoTenant.user)}/events`,
    {
      summary: 'Fuzz target',
      start: { dateTime: start.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(start.getTime() + 1800_000).toISOString(), timeZone: 'Europe/Berlin' },
    },
  );
  const added = await stack.callGateway<{ meetingId: string }>(idToken, '/v1/meetings', {
    calendarId: demoTenant.user,
    eventId: calendarEvent.id,
  });
  if (added.status !== 202) throw new Error(`could not add the fuzz target meeting: ${added.status}`);
  const started = performance.now();
  // Asynchronous on purpose: the emulators answer from this process, and the services' logs are
  // read from pipes here; blocking the event loop while the fuzzer runs would stall them all.
  const run = await runProcess(schemathesis, { FUZZ_MEETING_ID: added.body.meetingId }, [
    '--config-file',
    fileURLToPath(new URL('./openapi-fuzz.schemathesis.toml', import.meta.url)),
    'run',
    `${stack.gatewayUrl}/v1/openapi.json`,
    '--header',
    `Authorization: Bearer ${idToken}`,
    '--checks',
    'all',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    String(SEED),
    // A redirect goes to Google's or Webex's consent page: its answer is the gateway's, not theirs.
    '--max-redirects',
    '0',
    '--workers',
    '2',
    '--no-color',
    '--report',
    'har,ndjson',
    '--report-har-path',
    join(reports, 'har.json'),
    '--report-ndjson-path',
    join(reports, 'events.ndjson'),
    '--generation-database',
    'none',
  ]);
  const seconds = (performance.now() - started) / 1000;
  const output = run.output;
  writeFileSync(join(reports, 'output.txt'), output);
  const harFile = readFileSync(join(reports, 'har.json'), 'utf8');
  const entries = (JSON.parse(harFile) as { log: { entries: HarEntry[] } }).log.entries;
  const events = readFileSync(join(reports, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const failuresByCheck = new Map<string, number>();
  const operations = new Set<string>();
  const toolErrors: string[] = [];
  for (const event of events) {
    const finished = event.ScenarioFinished as
      | { recorder?: { label?: string; checks?: Record<string, Array<{ name: string; status: string }>> } }
      | undefined;
    if (finished?.recorder?.label && finished.recorder.label !== 'Stateful tests')
      operations.add(finished.recorder.label);
    for (const results of Object.values(finished?.recorder?.checks ?? {}))
      for (const check of results)
        if (check.status === 'failure')
          failuresByCheck.set(check.name, (failuresByCheck.get(check.name) ?? 0) + 1);
    const error = event.NonFatalError as
      { value?: { type?: string; message?: string }; label?: string } | undefined;
    if (error) toolErrors.push(`${error.label}: ${error.value?.type} ${error.value?.message}`);
  }
  const serverErrors = entries.filter((entry) => entry.response.status >= 500);
  const summary = {
    tool: `schemathesis ${SCHEMATHESIS_VERSION}`,
    maxExamplesPerOperation: MAX_EXAMPLES,
    seed: SEED,
    seconds: Math.round(seconds),
    operationsTested: operations.size,
    requests: entries.length,
    serverErrors: serverErrors.length,
    schemaViolations: failuresByCheck.get('response_schema_conformance') ?? 0,
    operations: [...operations].sort(),
    toolErrors,
    failuresByCheck: Object.fromEntries([...failuresByCheck].sort()),
    statuses: Object.fromEntries(
      [
        ...entries.reduce(
          (counts, entry) => counts.set(entry.response.status, (counts.get(entry.response.status) ?? 0) + 1),
          new Map<number, number>(),
        ),
      ].sort(([a], [b]) => a - b),
    ),
    schemathesisExitCode: run.exitCode,
  };
  // The failures and errors as schemathesis explains them, then its summary.
  const firstSection = output.search(/^=+ (ERRORS|FAILURES|WARNINGS|SUMMARY) =+$/m);
  console.log(output.slice(firstSection >= 0 ? firstSection : 0).slice(-20_000));
  console.table({
    'operations tested': summary.operationsTested,
    'requests made': summary.requests,
    '5xx answers': summary.serverErrors,
    'schema violations': summary.schemaViolations,
    'other check failures':
      [...failuresByCheck]
        .filter(([check]) => check !== 'response_schema_conformance')
        .map(([check, count]) => `${check}: ${count}`)
        .join(', ') || 'none',
  });
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/openapi-fuzz.json', import.meta.url),
    JSON.stringify(summary, null, 2) + '\n',
  );
  if (process.env.FUZZ_KEEP_REPORTS) console.log(`reports kept in ${reports}`);
} finally {
  if (!process.env.FUZZ_KEEP_REPORTS) rmSync(reports, { recursive: true, force: true });
  await stack.stop();
  await nats.stop();
  await postgres.stop();
}

/** Runs a command to its end without blocking this process; resolves with its exit code and output. */
function runProcess(
  command: string,
  environment: Record<string, string>,
  args: string[],
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...environment },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve({ exitCode, output }));
  });
}

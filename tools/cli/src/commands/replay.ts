import { SingleBar } from 'cli-progress';
import { gatewayProjections } from '@scheduler/gateway/projections';
import { PostgresEventStore } from '@scheduler/event-store';
import { ProjectionRunner, createReadModelStore, type RebuildReport } from '@scheduler/read-models';
import { sealedEventOpener } from '@scheduler/runtime';
import { NotFoundError } from '../exit-codes.js';
import { type CliIo, writeLine } from '../io.js';
import { using } from '../resources.js';
import { replaySettings } from '../settings.js';

/** Every projection the CLI can rebuild, by name (the services own their definitions). */
export const projections = gatewayProjections;

export interface ReplayOptions {
  readonly projection: string;
  /** Events per read (default 2,000, what bench/projection-rebuild.ts measured best with). */
  readonly pageSize?: number;
  /** Draw the progress bar even when stderr is not a terminal (tests). */
  readonly progress?: boolean;
}

/**
 * `audit replay --projection <name>`: the read-models library's rebuild (ProjectionRunner
 * .rebuild): every event from position 0 into a new generation while the live one keeps serving
 * the gateway (and the gateway's own runner keeps updating it), then one swap, with the catch-up
 * inside it. Personal fields are opened as the gateway opens them (sealedEventOpener).
 */
export async function auditReplay(io: CliIo, options: ReplayOptions): Promise<RebuildReport> {
  const projection = projections.get(options.projection);
  if (!projection)
    throw new NotFoundError(
      'projection',
      `${options.projection} (known: ${[...projections.keys()].join(', ')})`,
    );
  const settings = replaySettings(io.environment);
  return using(async (resources) => {
    const eventStore = await resources.eventStore(settings.EVENT_STORE_URL);
    const readModels = await createReadModelStore(settings.READ_MODEL_URL);
    resources.add(() => readModels.close());
    const { codec } = resources.personalData(settings);
    let unreadable = 0;
    const runner = new ProjectionRunner({
      eventStore,
      store: readModels,
      projection,
      batchSize: options.pageSize ?? 2_000,
      open: sealedEventOpener({ codec, onUnreadable: () => unreadable++ }),
    });
    // The total only the PostgreSQL store can count cheaply; without it the bar shows no ETA.
    const total =
      eventStore instanceof PostgresEventStore
        ? await eventStore.countEvents(projection.filter ? { filter: projection.filter } : {})
        : undefined;
    const bar =
      options.progress || io.stderr.isTTY
        ? new SingleBar({
            stream: io.stderr,
            format: `${projection.name} [{bar}] {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}`,
            etaBuffer: 20,
            fps: 5,
            noTTYOutput: !io.stderr.isTTY,
            hideCursor: true,
          })
        : undefined;
    const started = performance.now();
    bar?.start(total ?? 0, 0, { speed: '0' });
    let report: RebuildReport;
    try {
      report = await runner.rebuild({
        onProgress: ({ events }) => {
          const seconds = (performance.now() - started) / 1000;
          bar?.update(events, { speed: String(Math.round(events / Math.max(seconds, 0.001))) });
          if (total !== undefined && events > total) bar?.setTotal(events);
        },
      });
    } finally {
      bar?.stop();
    }
    const { waitingForEventsMs, applyingMs, swapMs } = report.phases;
    writeLine(
      io.stderr,
      `where the time went: waiting for events ${Math.round(waitingForEventsMs)} ms, ` +
        `applying ${Math.round(applyingMs)} ms, swap with catch-up ${Math.round(swapMs)} ms`,
    );
    writeLine(
      io.stdout,
      `replayed ${report.projection}: ${report.events} events in ${(report.durationMs / 1000).toFixed(2)} s ` +
        `(${Math.round(report.eventsPerSecond)} events/s), generation ${report.generation} swapped in` +
        (unreadable > 0 ? `; ${unreadable} invalid events projected as stored` : ''),
    );
    return report;
  });
}

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigurationError } from '@scheduler/config';
import { dlqList, dlqReplay, dlqShow } from './commands/dlq.js';
import { keysRotate } from './commands/keys.js';
import { streamsApply } from './commands/streams.js';
import { auditExport } from './commands/export.js';
import { auditReplay, projections } from './commands/replay.js';
import { auditTimeline } from './commands/timeline.js';
import { ExitCode, NotFoundError, UsageError } from './exit-codes.js';
import { type CliIo, processIo, writeLine } from './io.js';

const exitCodesHelp = `
Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 78 configuration (a missing or invalid variable).
Configuration: the services' own environment variables (EVENT_STORE_URL, KEY_STORE_URL,
KEY_ENCRYPTION_KEY, KEY_ENCRYPTION_KEYS_PREVIOUS, READ_MODEL_URL, NATS_URL, BUS_PREFIX, and for
streams apply BUS_STREAM_REPLICAS, BUS_EVENTS_MAX_AGE_MS, BUS_EVENTS_MAX_BYTES,
BUS_DUPLICATE_WINDOW_MS); each command reads only those it needs. Against a NATS that requires
users, NATS_USER=scheduler-cli and its NATS_PASSWORD.`;

function isoTime(value: string): Date {
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime()))
    throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-12-01T00:00:00Z');
  return time;
}

function deadLetterId(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value))
    throw new InvalidArgumentError('expected a dead letter id (a positive integer)');
  return Number(value);
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d{0,6}$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

function program(io: CliIo): Command {
  const root = new Command('scheduler')
    .description("The operators' admin CLI: audit the event log, rebuild read models, handle dead letters.")
    .addHelpText('after', exitCodesHelp)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  // Subcommands inherit the output and exit handling of their parent when added through .command().
  const audit = root
    .command('audit')
    .description('read the event log: timelines, exports, read-model replays');
  audit
    .command('timeline')
    .description(
      "a meeting's events in order: time, type, producing service, correlation id, personal fields",
    )
    .argument('<meetingId>', 'the meeting id (its stream is meeting-<meetingId>)')
    .option('--json', 'print NDJSON, one event per line')
    .addHelpText('after', exitCodesHelp)
    .action((meetingId: string, options: { json?: boolean }) => auditTimeline(io, meetingId, options));
  audit
    .command('replay')
    .description(
      'rebuild a read-model projection from position 0 and swap it in while the old one keeps serving',
    )
    .addOption(
      new Option('--projection <name>', 'the projection to rebuild')
        .choices([...projections.keys()])
        .makeOptionMandatory(),
    )
    .option('--page-size <events>', 'events per read', positiveInteger, 2_000)
    .addHelpText('after', exitCodesHelp)
    .action(async (options: { projection: string; pageSize: number }) => {
      await auditReplay(io, { projection: options.projection, pageSize: options.pageSize });
    });
  audit
    .command('export')
    .description(
      'the event log from a time on, as NDJSON; personal fields [sealed] or [redacted] unless --open',
    )
    .requiredOption('--since <time>', 'ISO 8601 time: events recorded at or after it', isoTime)
    .option('--open', 'print personal fields opened (where their key still exists)')
    .addHelpText('after', exitCodesHelp)
    .action(async (options: { since: Date; open?: boolean }) => {
      const { events } = await auditExport(io, options);
      writeLine(io.stderr, `exported ${events} events`);
    });

  const dlq = root.command('dlq').description("the bus's dead-letter queue");
  dlq
    .command('list')
    .description('every dead letter: id, failure time, reason, delivery count, consumer, subject, error')
    .option('--json', 'print NDJSON, one dead letter per line')
    .addHelpText('after', exitCodesHelp)
    .action(async (options: { json?: boolean }) => {
      await dlqList(io, options);
    });
  dlq
    .command('show')
    .description('one dead letter in full, with its payload')
    .argument('<id>', 'the dead letter id (see dlq list)', deadLetterId)
    .addHelpText('after', exitCodesHelp)
    .action(async (id: number) => {
      await dlqShow(io, id);
    });
  dlq
    .command('replay')
    .description('republish to the original subject; removed from the queue once JetStream acknowledged it')
    .argument('[id]', 'the dead letter id (see dlq list)', deadLetterId)
    .option('--all', 'replay every dead letter, oldest first')
    .addHelpText('after', exitCodesHelp)
    .action(async (id: number | undefined, options: { all?: boolean }) => {
      if ((id === undefined) === !options.all)
        throw new UsageError('dlq replay takes either an <id> or --all');
      await dlqReplay(io, id === undefined ? { all: true } : { sequence: id });
    });

  const keys = root.command('keys').description('the data keys of crypto-shredding');
  keys
    .command('rotate')
    .description(
      're-wrap every data key under the primary key-encryption key (KEY_ENCRYPTION_KEY); resumable',
    )
    .option('--batch-size <keys>', 'keys per batch', positiveInteger, 500)
    .addHelpText('after', exitCodesHelp)
    .action(async (options: { batchSize: number }) => {
      await keysRotate(io, options);
    });

  const streams = root.command('streams').description("the bus's JetStream streams");
  streams
    .command('apply')
    .description(
      'create the streams or set their replicas and limits from the configuration (BUS_STREAM_REPLICAS, …)',
    )
    .addHelpText('after', exitCodesHelp)
    .action(async () => {
      await streamsApply(io);
    });
  return root;
}

/** Runs one command line (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  try {
    await program(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help) already.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? ExitCode.ok
        : ExitCode.usage;
    }
    if (error instanceof UsageError) {
      writeLine(io.stderr, `error: ${error.message}`);
      return ExitCode.usage;
    }
    if (error instanceof NotFoundError) {
      writeLine(io.stderr, `error: ${error.message}`);
      return ExitCode.notFound;
    }
    if (error instanceof ConfigurationError) {
      writeLine(io.stderr, error.message);
      return ExitCode.configuration;
    }
    writeLine(
      io.stderr,
      `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return ExitCode.failure;
  }
}

/** Where a command writes and what it reads its configuration from; tests pass their own. */
export interface CliIo {
  /** Results: lines of text or NDJSON, nothing else, so they can be piped. */
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Progress, warnings and errors. */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly environment: Record<string, string | undefined>;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  environment: process.env,
});

export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${line}\n`);
}

/** writeLine that waits when the reader is slower (long NDJSON outputs into a pipe). */
export async function writeLineDrained(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await new Promise((resolve) => stream.once('drain', resolve));
}

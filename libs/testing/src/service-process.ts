import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@scheduler/local-infra';
import { typeScriptLoaderPath } from './type-script-loader.js';

/** A service to run from its TypeScript sources. */
export interface ServiceSource {
  /** The name it reports under: log lines, metric labels, configuration errors. */
  readonly name: string;
  /** Its entry file; the service's own tests pass `new URL('./main.ts', import.meta.url)`. */
  readonly main: URL;
}

export interface ServiceProcess {
  readonly name: string;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Lines of JSON log the process wrote so far. */
  logs(): Array<Record<string, unknown>>;
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | NodeJS.Signals>;
}

/**
 * Runs a service as a real child process from its TypeScript sources (through the project's
 * loader), as it runs in production but without a build. The pid is registered with the
 * test runner so a crashed test leaves nothing behind.
 */
export async function startServiceProcess(
  service: ServiceSource,
  environment: Record<string, string>,
): Promise<ServiceProcess> {
  const { name } = service;
  const port = Number(environment.HTTP_PORT ?? (await freePort()));
  const child = spawn(process.execPath, ['--import', typeScriptLoaderPath, fileURLToPath(service.main)], {
    env: {
      PATH: process.env.PATH ?? '',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...environment,
      HTTP_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid && process.env.SCHEDULER_TEST_PIDFILE)
    appendFileSync(process.env.SCHEDULER_TEST_PIDFILE, `${child.pid}\n`);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'SIGKILL')),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    name,
    baseUrl,
    child,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    async waitUntilReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = 'no answer yet';
      while (Date.now() < deadline) {
        if (child.exitCode !== null)
          throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${output}`);
        try {
          const response = await fetch(`${baseUrl}/health/ready`);
          if (response.ok) return;
          last = `${response.status} ${await response.text()}`;
        } catch (error) {
          last = String(error);
        }
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
      throw new Error(`${name} was not ready within ${timeoutMs} ms (last: ${last}):\n${output}`);
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import {
  findNatsServerBinary,
  parseNatsServerVersion,
  projectNatsServer,
  supportsSyncInterval,
} from './nats-server-binary.js';
import { startNatsServer, type RunningNatsServer } from './nats-server.js';

const recordPid = (pid: number) => {
  const file = process.env.SCHEDULER_TEST_PIDFILE;
  if (file) appendFileSync(file, `${pid}\n`);
};

/** The INFO line a NATS server sends first on every connection. */
async function serverInfo(url: string): Promise<{ version: string; jetstream?: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      const line = /^INFO (\{.*\}) *\r\n/.exec(received);
      if (!line) return;
      socket.destroy();
      resolve(JSON.parse(line[1]!) as { version: string; jetstream?: boolean });
    });
    socket.once('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no INFO line from ${url} within 5 s; received ${JSON.stringify(received)}`));
    });
  });
}

describe('startNatsServer', () => {
  let running: RunningNatsServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('runs like production by default: sync_interval always when the server has it', async () => {
    running = await startNatsServer({ onSpawn: recordPid });
    const info = await serverInfo(running.url);
    expect(info.version).toBe(running.version);
    expect(info.jetstream).toBe(true);
    expect(running.syncAlways).toBe(supportsSyncInterval(parseNatsServerVersion(running.version)!));
  });

  it('unsafeFast keeps JetStream lazy fsync', async () => {
    running = await startNatsServer({ onSpawn: recordPid, unsafeFast: true });
    expect(running.syncAlways).toBe(false);
    expect((await serverInfo(running.url)).jetstream).toBe(true);
  });

  it('prefers the install the preflight makes in .tools/bin to the system one', () => {
    // Only meaningful where the preflight could go install it (Go on PATH).
    if (!existsSync(projectNatsServer)) return;
    const explicit = process.env.NATS_SERVER_BIN;
    delete process.env.NATS_SERVER_BIN;
    try {
      expect(findNatsServerBinary()).toBe(projectNatsServer);
    } finally {
      if (explicit !== undefined) process.env.NATS_SERVER_BIN = explicit;
    }
  });
});

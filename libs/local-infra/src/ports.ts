import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * A free TCP port on loopback for a server started a moment later. Chosen below the kernel's
 * ephemeral range: a port the kernel handed out with listen(0) is free again once probed, and an
 * outgoing connection (a pg or NATS client, a fetch) can take it as its local port before the
 * server binds it (EADDRINUSE). Ports below the range are never taken that way.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const floor = 10_000;
  if (low > floor + 1000)
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = floor + Math.floor(Math.random() * (low - floor));
      if (await bindable(candidate)) return candidate;
    }
  return kernelAssignedPort();
}

/** The kernel's ephemeral port range (Linux); the usual default elsewhere. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux: fall through to the IANA default.
  }
  return [49152, 65535];
}

async function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function kernelAssignedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after the timeout. */
export async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not accept connections on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import pg from 'pg';
import { quoteIdentifier } from './schema.js';

/**
 * One LISTEN connection per store, shared by its live subscriptions. It connects on the
 * first subscription and reconnects on the next one after a failure; while it is down the
 * subscriptions' poll keeps them moving.
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onChange: () => void,
  ) {}

  start(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.listening ??= this.connect().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listening?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    const forget = () => {
      if (this.client === client) {
        this.client = undefined;
        this.listening = undefined;
      }
      // Something may have been missed while the connection was going down.
      if (!this.stopped) this.onChange();
    };
    client.on('error', forget);
    client.on('end', forget);
    client.on('notification', () => this.onChange());
    await client.connect();
    await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }
}

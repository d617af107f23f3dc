import {
  comparePositions,
  type AllSubscription,
  type Position,
  type RecordedEvent,
  type SubscriptionItem,
} from '../port.js';

export interface SubscriptionPage {
  readonly events: RecordedEvent[];
  /** The last event readers may see now, filtered or not; undefined when none is visible. */
  readonly horizon: Position | undefined;
  /** Committed events exist that are held back behind a transaction still running. */
  readonly pending: boolean;
}

export interface PostgresAllSubscriptionOptions {
  readonly after: Position | undefined;
  readonly readPage: (after: Position | undefined, maxCount: number) => Promise<SubscriptionPage>;
  readonly startListening: () => Promise<void>;
  readonly pollIntervalMs: number;
  readonly onClose: (subscription: PostgresAllSubscription) => void;
}

const PAGE_SIZE = 500;
/**
 * Held-back events appear as soon as the older transaction ends, which may send no
 * NOTIFY: look again soon, backing off while that transaction stays open.
 */
const FIRST_PENDING_RETRY_MS = 20;

export class PostgresAllSubscription implements AllSubscription {
  private closed = false;
  private wakeCount = 0;
  private wakeWaiter: (() => void) | undefined;
  private iterator: AsyncGenerator<SubscriptionItem, void, undefined> | undefined;

  constructor(private readonly options: PostgresAllSubscriptionOptions) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  wake(): void {
    this.wakeCount++;
    this.wakeWaiter?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.options.onClose(this);
    await this.iterator?.return(undefined);
  }

  private async *run(): AsyncGenerator<SubscriptionItem, void, undefined> {
    let position = this.options.after;
    let checkpoint = this.options.after;
    let caughtUp = false;
    let pendingRetryMs = FIRST_PENDING_RETRY_MS;
    try {
      while (!this.closed) {
        // Listen before reading, so a commit between the read and the wait still wakes us.
        await this.options.startListening().catch(() => undefined);
        const wakeCountBeforeRead = this.wakeCount;
        const page = await this.options.readPage(position, PAGE_SIZE);
        for (const event of page.events) {
          if (this.closed) return;
          yield { kind: 'event', event };
          position = event.position;
        }
        if (this.closed) return;
        const full = page.events.length === PAGE_SIZE;
        if (!full && page.horizon && (!position || comparePositions(page.horizon, position) > 0))
          position = page.horizon;
        if (position && (!checkpoint || comparePositions(position, checkpoint) > 0)) {
          checkpoint = position;
          yield { kind: 'checkpoint', position };
        }
        if (full) continue;
        if (!caughtUp) {
          caughtUp = true;
          yield { kind: 'caughtUp', position };
        }
        if (this.wakeCount !== wakeCountBeforeRead) continue;
        if (page.events.length > 0 || !page.pending) pendingRetryMs = FIRST_PENDING_RETRY_MS;
        const delay = page.pending ? pendingRetryMs : this.options.pollIntervalMs;
        if (page.pending) pendingRetryMs = Math.min(pendingRetryMs * 2, this.options.pollIntervalMs);
        await this.sleep(delay, wakeCountBeforeRead);
      }
    } finally {
      this.closed = true;
      this.options.onClose(this);
    }
  }

  private sleep(milliseconds: number, wakeCountBeforeRead: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.wakeCount !== wakeCountBeforeRead) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, milliseconds);
      this.wakeWaiter = done;
    });
  }
}

interface CalendarSyncs {
  running: Promise<void>;
  /** The one sync queued behind the running one; later requests join it. */
  queued: Promise<void> | undefined;
}

/**
 * At most one sync per calendar runs in this process, and at most one waits behind it: a
 * notification that arrives while a sync runs may describe a change that sync already listed
 * past, so one more sync follows, but N notifications still make one, not N.
 */
export class SyncCoalescer {
  private readonly calendars = new Map<string, CalendarSyncs>();

  /** Resolves when a sync that started after this call has finished; rejects with its error. */
  request(key: string, sync: () => Promise<unknown>): Promise<void> {
    const current = this.calendars.get(key);
    if (!current) {
      const entry: CalendarSyncs = { running: Promise.resolve(), queued: undefined };
      this.calendars.set(key, entry);
      entry.running = this.run(key, entry, sync);
      return entry.running;
    }
    if (current.queued) return current.queued;
    const queued = current.running
      .catch(() => undefined)
      .then(() => {
        current.queued = undefined;
        current.running = this.run(key, current, sync);
        return current.running;
      });
    current.queued = queued;
    return queued;
  }

  /** Resolves once no sync runs or waits (for tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.calendars.size > 0)
      await Promise.allSettled(
        [...this.calendars.values()].flatMap((entry) => [entry.running, entry.queued]),
      );
  }

  private async run(key: string, entry: CalendarSyncs, sync: () => Promise<unknown>): Promise<void> {
    try {
      await sync();
    } finally {
      if (!entry.queued && this.calendars.get(key) === entry) this.calendars.delete(key);
    }
  }
}

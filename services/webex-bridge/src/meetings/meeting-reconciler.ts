import { Logger } from '@nestjs/common';
import { PeriodicTask } from '@scheduler/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DriftOutcome, HandleOutcome, MeetingLifecycle } from './meeting-lifecycle.js';
import type { MeetingSyncRepository } from './meeting-sync.repository.js';

export interface MeetingReconcilerOptions {
  readonly lifecycle: MeetingLifecycle;
  readonly sync: MeetingSyncRepository;
  readonly intervalMs: number;
  /** How often every upcoming converged meeting is compared with Webex (drift); 0 turns it off. */
  readonly driftIntervalMs?: number;
  /** Meetings reconciled at once by this replica. */
  readonly concurrency: number;
  readonly registry?: Registry;
}

/** What one sweep did. */
export interface SweepOutcome {
  readonly reconciled: number;
  /** A trial call found Webex answering again: every deferred meeting was made due. */
  readonly webexBack: boolean;
}

/**
 * The reconcile loop: every interval it works off the meetings that are not converged and are
 * due, several at a time, each under its row lock (SKIP LOCKED, so replicas share the work and
 * never hold one meeting twice). Then, if meetings wait for a transient failure, one of them is
 * tried as a probe; when Webex answers it, they are all made due and worked off in the same
 * sweep, so a Webex that is back is noticed within one interval instead of one backoff step.
 */
export class MeetingReconciler {
  private readonly logger = new Logger('MeetingReconciler');
  private readonly task: PeriodicTask;
  private readonly driftTask: PeriodicTask | undefined;
  private readonly driftChecks: Counter<'found'>;
  private readonly outcomes: Counter<'sync'>;
  private readonly notConverged: Gauge<'waiting'>;
  private readonly oldestNotConverged: Gauge<'waiting'>;
  private readonly extraSweeps = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly options: MeetingReconcilerOptions) {
    this.task = new PeriodicTask(
      'meeting reconciler',
      options.intervalMs,
      async () => {
        await this.sweep();
      },
      (error) =>
        this.logger.warn(
          { error: error instanceof Error ? error.name : 'Error' },
          'the reconcile sweep failed; it runs again at the next interval',
        ),
    );
    const driftIntervalMs = options.driftIntervalMs ?? 0;
    this.driftTask =
      driftIntervalMs > 0
        ? new PeriodicTask(
            'meeting drift check',
            driftIntervalMs,
            async () => {
              await this.checkDrift();
            },
            (error) =>
              this.logger.warn(
                { error: error instanceof Error ? error.name : 'Error' },
                'the drift check failed; it runs again at the next interval',
              ),
          )
        : undefined;
    const registers = options.registry ? [options.registry] : [];
    const existing = <Metric>(name: string) => options.registry?.getSingleMetric(name) as Metric | undefined;
    this.outcomes =
      existing<Counter<'sync'>>('scheduler_meetings_reconciled_total') ??
      new Counter({
        name: 'scheduler_meetings_reconciled_total',
        help: 'Meetings reconciled, by where they stand after it: converged, deferred, waiting-for-reconnect',
        labelNames: ['sync'],
        registers,
      });
    this.notConverged =
      existing<Gauge<'waiting'>>('scheduler_meetings_not_converged') ??
      new Gauge({
        name: 'scheduler_meetings_not_converged',
        help: 'Meetings whose Webex meeting does not look as desired yet, after the last sweep: pending, or waiting for a reconnect',
        labelNames: ['waiting'],
        registers,
      });
    this.oldestNotConverged =
      existing<Gauge<'waiting'>>('scheduler_meetings_not_converged_oldest_seconds') ??
      new Gauge({
        name: 'scheduler_meetings_not_converged_oldest_seconds',
        help: 'How long the meeting not converged for the longest has been so, after the last sweep (0: none)',
        labelNames: ['waiting'],
        registers,
      });
    this.driftChecks =
      existing<Counter<'found'>>('scheduler_meeting_drift_checks_total') ??
      new Counter({
        name: 'scheduler_meeting_drift_checks_total',
        help: 'Meetings compared with Webex, by what was found: in-step, changed (applied again), deleted, not-converged, unknown',
        labelNames: ['found'],
        registers,
      });
  }

  start(): void {
    this.stopping = false;
    this.task.start();
    this.driftTask?.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
    await this.driftTask?.stop();
    await Promise.allSettled([...this.extraSweeps]);
  }

  /** The user connected Webex again: their waiting meetings are due now, and a sweep starts at once. */
  async accountReconnected(userId: string): Promise<number> {
    const woken = await this.options.sync.wakeUser(userId, this.options.lifecycle.now());
    if (woken > 0) this.sweepNow();
    return woken;
  }

  /**
   * A user's intent was recorded on the meeting (cancel, retry): it is due now and a sweep starts
   * at once. Waits for a reconcile in flight to let go of the row, so that reconcile's verdict,
   * reached before the intent was recorded, cannot leave the meeting un-due.
   */
  async meetingDue(meetingId: string, userId: string): Promise<void> {
    await this.options.sync.markDue(meetingId, userId, this.options.lifecycle.now());
    this.sweepNow();
  }

  /** Starts a sweep beside the periodic one (safe: rows are claimed with SKIP LOCKED). */
  sweepNow(): void {
    if (this.stopping) return;
    const sweep = this.sweep()
      .catch((error: unknown) =>
        this.logger.warn({ error: error instanceof Error ? error.name : 'Error' }, 'an extra sweep failed'),
      )
      .finally(() => this.extraSweeps.delete(sweep));
    this.extraSweeps.add(sweep);
  }

  /** One pass: every due meeting, then one probe if meetings wait for Webex to come back. */
  async sweep(): Promise<SweepOutcome> {
    const outcome = await this.reconcileDue();
    const counts = await this.options.sync.counts();
    this.notConverged.set({ waiting: 'none' }, counts.pending);
    this.notConverged.set({ waiting: 'webex-reconnect' }, counts.waitingForReconnect);
    this.oldestNotConverged.set({ waiting: 'none' }, counts.oldestPendingSeconds);
    this.oldestNotConverged.set({ waiting: 'webex-reconnect' }, counts.oldestWaitingSeconds);
    return outcome;
  }

  /**
   * Compares every upcoming converged meeting not checked within half the drift interval with
   * Webex, several at a time; replicas claim different meetings. Returns what was found.
   */
  async checkDrift(): Promise<Record<DriftOutcome, number>> {
    const found: Record<DriftOutcome, number> = {
      'in-step': 0,
      changed: 0,
      deleted: 0,
      'not-converged': 0,
      unknown: 0,
    };
    const halfInterval = (this.options.driftIntervalMs ?? 0) / 2;
    while (!this.stopping) {
      const now = this.options.lifecycle.now();
      const claimed = await this.options.sync.claimDriftChecks(
        now,
        new Date(now.getTime() - halfInterval),
        this.options.concurrency * 4,
      );
      if (claimed.length === 0) break;
      const queue = [...claimed];
      const worker = async () => {
        for (let next = queue.shift(); next && !this.stopping; next = queue.shift()) {
          const outcome = await this.options.lifecycle.checkDrift(next.meetingId, next.userId);
          found[outcome] += 1;
          this.driftChecks.inc({ found: outcome });
        }
      };
      await Promise.all(Array.from({ length: this.options.concurrency }, worker));
    }
    if (found.changed + found.deleted > 0) this.logger.log(found, 'drift check: meetings changed in Webex');
    return found;
  }

  private async reconcileDue(): Promise<SweepOutcome> {
    let reconciled = await this.drain();
    if (this.stopping) return { reconciled, webexBack: false };
    const probe = await this.options.lifecycle.reconcileNextDue({ probe: true });
    if (!probe) return { reconciled, webexBack: false };
    this.count(probe);
    reconciled += 1;
    if (probe.sync !== 'converged') return { reconciled, webexBack: false };
    const woken = await this.options.sync.wakeDeferred(this.options.lifecycle.now());
    this.logger.log({ woken }, 'Webex answers again: deferred meetings are due now');
    reconciled += await this.drain();
    return { reconciled, webexBack: true };
  }

  private async drain(): Promise<number> {
    let reconciled = 0;
    const worker = async () => {
      while (!this.stopping) {
        const outcome = await this.options.lifecycle.reconcileNextDue();
        if (!outcome) return;
        this.count(outcome);
        reconciled += 1;
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
    return reconciled;
  }

  private count(outcome: HandleOutcome): void {
    this.outcomes.inc({ sync: outcome.sync ?? 'converged' });
    // Ids and kinds only: no titles, emails or tokens in logs.
    this.logger.debug(
      `meeting ${outcome.meetingId ?? '-'}: ${outcome.step} → ${outcome.sync ?? '-'}` +
        (outcome.appended.length > 0 ? ` (appended ${outcome.appended.join(', ')})` : ''),
    );
  }
}

import type { Clock } from './meeting-lifecycle.js';
import type { MeetingStreams } from './meeting-stream.js';
import type { MeetingSyncRepository } from './meeting-sync.repository.js';
import { driftCheckedUntil, planReconcile } from './next-step.js';

export interface RebuildMeetingTablesOptions {
  readonly meetings: MeetingStreams;
  readonly sync: MeetingSyncRepository;
  readonly clock?: Clock;
}

/** What a rebuild found in the meeting streams. */
export interface RebuiltMeetingTables {
  /** Meetings not converged: each has its row in meetings_to_converge. */
  readonly unconverged: number;
  /** Upcoming converged meetings: each is listed in meetings_to_check. */
  readonly tracked: number;
}

/**
 * Rebuilds webex-bridge's derived tables, meetings_to_converge and meetings_to_check, from the
 * meeting streams (the authority): every meeting the streams show not converged gets its row (a
 * missing one is due now, so the reconciler applies it; an existing one keeps its schedule and
 * attempts), a converged meeting loses a row made here, and every upcoming converged meeting is
 * listed for its drift check. Each meeting is looked at under its row lock, as a reconcile is, so
 * it is safe while the service runs (a reconcile under way finishes first); running it again
 * changes nothing. For tables that were just created, lost or doubted.
 */
export async function rebuildMeetingTables(
  options: RebuildMeetingTablesOptions,
): Promise<RebuiltMeetingTables> {
  const { meetings, sync } = options;
  const now = () => options.clock?.now() ?? new Date();
  const unsettled = await meetings.unsettledMeetings();
  const candidates = new Set([...unsettled.keys(), ...(await meetings.liveMeetings())]);
  let unconverged = 0;
  let tracked = 0;
  for (const meetingId of candidates) {
    const userId = unsettled.get(meetingId) ?? (await meetings.read(meetingId)).userId;
    // Without a user nothing can be applied or compared (planReconcile plans nothing either).
    if (userId === undefined) continue;
    await sync.withMeetingLocked(meetingId, userId, now(), async (locked) => {
      const state = await meetings.read(meetingId);
      const plan = planReconcile(state, now());
      if (plan.kind !== 'nothing' || state.sync) {
        unconverged++;
        return;
      }
      if (locked.inserted) await locked.converged();
      if (plan.reason !== 'converged') return;
      const until = driftCheckedUntil(state, now());
      if (until) {
        await locked.trackForDrift(state.userId!, until);
        tracked++;
      } else await locked.untrackForDrift();
    });
  }
  return { unconverged, tracked };
}

import { MeetingScheduled } from '@scheduler/contracts';
import type { EventStore, Position } from '@scheduler/event-store';
import type { WebexWebhooksRepository } from './webex-webhooks.repository.js';

/**
 * Fills webex_meeting_links from the `meeting` category of the log: every MeetingScheduled
 * names the Webex meeting of a meeting (ids only, stored in clear). For a table that was just
 * created; afterwards each MeetingScheduled adds its link as it is published. Returns how many.
 */
export async function rebuildMeetingLinks(
  store: EventStore,
  repository: WebexWebhooksRepository,
  pageSize = 1_000,
): Promise<number> {
  let linked = 0;
  let after: Position | undefined;
  for (;;) {
    const page = await store.readAll({
      ...(after ? { after } : {}),
      maxCount: pageSize,
      filter: { categories: ['meeting'] },
    });
    for (const event of page) {
      if (event.type !== MeetingScheduled.type) continue;
      const { meetingId, webexMeetingId } = event.data;
      if (typeof meetingId !== 'string' || typeof webexMeetingId !== 'string') continue;
      await repository.link(webexMeetingId, meetingId);
      linked++;
    }
    if (page.length < pageSize) return linked;
    after = page.at(-1)!.position;
  }
}

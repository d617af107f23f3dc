import { describe, expect, it } from '@jest/globals';
import {
  AccountErased,
  AccountErasureRequested,
  AccountErasureStepCompleted,
  createEvent,
  type EventContract,
} from '@scheduler/contracts';
import { envelopeToEventToAppend, type RecordedEvent } from '@scheduler/event-store';
import { ErasureView, projectErasure } from './account-erasure-projection.js';

const userId = '1001';
let position = 0n;

function recorded(contract: EventContract, data: Record<string, unknown>, at: string): RecordedEvent {
  const append = envelopeToEventToAppend(
    createEvent(contract, {
      streamId: `accountErasure-${userId}`,
      tenantId: 'demo.example',
      occurredAt: new Date(at),
      data: { userId, ...data } as never,
    }),
  );
  position++;
  return {
    id: append.id,
    streamId: `accountErasure-${userId}`,
    revision: position,
    position: { commit: position, prepare: position },
    type: append.type,
    data: append.data,
    metadata: append.metadata ?? {},
    recordedAt: new Date(at),
  };
}

function fold(events: RecordedEvent[]): ErasureView | undefined {
  let view: ErasureView | undefined;
  for (const event of events) {
    const next = projectErasure(view, event);
    if (next === 'delete') view = undefined;
    else if (next !== undefined) view = ErasureView.parse(next);
  }
  return view;
}

describe('the account erasures projection', () => {
  const requested = recorded(
    AccountErasureRequested,
    { futureMeetings: 'keep', requestedAt: '2026-12-05T08:00:00Z' },
    '2026-12-05T08:00:00Z',
  );
  const webexStep = recorded(
    AccountErasureStepCompleted,
    { step: 'webex-bridge', completedAt: '2026-12-05T08:00:01Z', meetingIds: [] },
    '2026-12-05T08:00:01Z',
  );
  const googleStep = recorded(
    AccountErasureStepCompleted,
    { step: 'google-ingest', completedAt: '2026-12-05T08:00:02Z' },
    '2026-12-05T08:00:02Z',
  );
  const erased = recorded(
    AccountErased,
    { erasedAt: '2026-12-05T08:00:03Z', meetingsPurged: 0 },
    '2026-12-05T08:00:03Z',
  );

  it('follows the erasure from its request to its end', () => {
    expect(fold([requested])).toMatchObject({
      status: 'erasing',
      futureMeetings: 'keep',
      stepsCompleted: [],
    });
    expect(fold([requested, webexStep, webexStep])?.stepsCompleted).toEqual(['webex-bridge']);
    expect(fold([requested, webexStep, googleStep, erased])).toMatchObject({
      status: 'erased',
      stepsCompleted: ['webex-bridge', 'google-ingest'],
      erasedAt: '2026-12-05T08:00:03Z',
    });
  });

  it('ignores steps of an erasure it never saw requested (they cannot be scoped to a tenant)', () => {
    expect(fold([webexStep, erased])).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@scheduler/contracts';
import {
  decide,
  evolve,
  initialErasureState,
  ErasureStepOutOfOrderError,
  type AccountErasureState,
  type ErasureCommand,
} from './account-erasure.decider.js';

const userId = '1001';
const origin = {
  tenantId: 'demo.example',
  occurredAt: new Date('2026-12-05T08:00:00Z'),
  correlationId: 'request-1',
};

function run(commands: ErasureCommand[]): { state: AccountErasureState; events: EventEnvelope[] } {
  let state = initialErasureState;
  const events: EventEnvelope[] = [];
  for (const command of commands) {
    for (const event of decide({ userId, command, origin }, state)) {
      events.push(event);
      state = evolve(state, event);
    }
  }
  return { state, events };
}

describe('the account erasure decider', () => {
  it('records the request once, each step once and in order, then the end', () => {
    const { state, events } = run([
      { type: 'RequestErasure', futureMeetings: 'cancel' },
      { type: 'RequestErasure', futureMeetings: 'keep' },
      { type: 'CompleteStep', step: 'webex-bridge', meetingIds: ['019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b'] },
      { type: 'CompleteStep', step: 'webex-bridge', meetingIds: [] },
      { type: 'CompleteStep', step: 'google-ingest' },
      { type: 'RecordErased', erasedAt: '2026-12-05T08:00:05Z', meetingsPurged: 1 },
      { type: 'RecordErased', erasedAt: '2026-12-05T08:00:06Z', meetingsPurged: 1 },
    ]);
    expect(events.map((event) => event.type)).toEqual([
      'AccountErasureRequested',
      'AccountErasureStepCompleted',
      'AccountErasureStepCompleted',
      'AccountErased',
    ]);
    expect(events.every((event) => event.streamId === `accountErasure-${userId}`)).toBe(true);
    expect(state).toMatchObject({
      status: 'erased',
      futureMeetings: 'cancel',
      meetingIds: ['019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b'],
      erasedAt: '2026-12-05T08:00:05Z',
    });
  });

  it('refuses a step or the end before the steps they follow, and records nothing without a request', () => {
    expect(() =>
      run([
        { type: 'RequestErasure', futureMeetings: 'keep' },
        { type: 'CompleteStep', step: 'google-ingest' },
      ]),
    ).toThrow(ErasureStepOutOfOrderError);
    expect(() =>
      run([
        { type: 'RequestErasure', futureMeetings: 'keep' },
        { type: 'CompleteStep', step: 'webex-bridge', meetingIds: [] },
        { type: 'RecordErased', erasedAt: '2026-12-05T08:00:05Z', meetingsPurged: 0 },
      ]),
    ).toThrow(ErasureStepOutOfOrderError);
    expect(run([{ type: 'CompleteStep', step: 'webex-bridge' }]).events).toEqual([]);
    expect(
      run([{ type: 'RecordErased', erasedAt: '2026-12-05T08:00:05Z', meetingsPurged: 0 }]).events,
    ).toEqual([]);
  });
});

import { describe, expect, it, jest } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { MeetingNotScheduledYetError } from './errors.js';
import { ExpectedWait, asTransportFailure } from './expected-wait.js';

// Nest's RPC exception filter is what logged every retry of an expected wait at error level:
// run it for real and watch its logger (protected, hence the subclass).
class ObservedRpcExceptionFilter extends BaseRpcExceptionFilter {
  static get nestLogger() {
    return BaseRpcExceptionFilter.logger;
  }
}

function loggedByNest(error: unknown): unknown[][] {
  const logged = jest
    .spyOn(ObservedRpcExceptionFilter.nestLogger, 'error')
    .mockImplementation(() => undefined);
  try {
    new ObservedRpcExceptionFilter().catch(error, {} as ArgumentsHost);
    return logged.mock.calls;
  } finally {
    logged.mockRestore();
  }
}

describe('expected waits', () => {
  const meetingId = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
  const triggerId = '019ac0a0-2222-7e3f-8a4b-5c6d7e8f9a0b';

  it('a meeting not scheduled yet is passed on as ExpectedWait, keeping name, message and cause', () => {
    const wait = new MeetingNotScheduledYetError(meetingId, triggerId);
    const failure = asTransportFailure(wait);
    expect(failure).toBeInstanceOf(ExpectedWait);
    expect(failure).toMatchObject({
      name: 'MeetingNotScheduledYetError',
      message: wait.message,
      cause: wait,
    });
    // Ids only: the transport's warn line carries this message.
    expect((failure as Error).message).toBe(
      `meeting ${meetingId} is not scheduled yet; event ${triggerId} has to wait for it`,
    );
  });

  it('Nest does not log an expected wait at error level, but does log a real failure', () => {
    expect(loggedByNest(asTransportFailure(new MeetingNotScheduledYetError(meetingId, triggerId)))).toEqual(
      [],
    );
    const real = new Error('Webex answered 503');
    expect(asTransportFailure(real)).toBe(real);
    expect(loggedByNest(asTransportFailure(real))).toEqual([[real]]);
  });
});

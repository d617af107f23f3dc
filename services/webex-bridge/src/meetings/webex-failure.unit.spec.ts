import { describe, expect, it } from '@jest/globals';
import {
  CircuitOpenError,
  ReauthorizationRequired,
  TimeoutError,
  WebexApiError,
  WebexNetworkError,
  WebexRateLimited,
  WebexRequestInvalid,
} from '@scheduler/webex';
import { classifyWebexFailure } from './webex-failure.js';

const apiError = (status: number, message = 'The request is invalid.') =>
  new WebexApiError(status, 'POST', '/meetings', 'ROUTER_abc', message, []);

describe('classifyWebexFailure', () => {
  it('a permanent 4xx is webex-rejected, not retryable, with the tracking id', () =>
    expect(classifyWebexFailure(apiError(400))).toEqual({
      reason: 'webex-rejected',
      message: 'Webex answered 400 to POST /meetings: The request is invalid.',
      retryable: false,
      webexTrackingId: 'ROUTER_abc',
    }));

  it('masks email addresses Webex may echo back', () => {
    const failure = classifyWebexFailure(apiError(400, 'invitee grace@example.com is not valid'));
    expect(failure?.message).toContain('<email>');
    expect(failure?.message).not.toContain('grace@example.com');
  });

  it('a dead authorization asks the user to connect again', () => {
    expect(classifyWebexFailure(new ReauthorizationRequired('invalid_grant', 'ROUTER_x'))).toEqual({
      reason: 'reauthorization-required',
      message: expect.stringContaining('connect Webex again'),
      retryable: true,
      webexTrackingId: 'ROUTER_x',
    });
    expect(classifyWebexFailure(apiError(401))?.reason).toBe('reauthorization-required');
  });

  it('a request we refused to send is webex-rejected', () =>
    expect(classifyWebexFailure(new WebexRequestInvalid(['title longer than 128 characters']))?.reason).toBe(
      'webex-rejected',
    ));

  it.each([
    ['429', new WebexRateLimited(429, 'POST', '/meetings', undefined, 'slow down', [], 15_000)],
    ['503', apiError(503)],
    ['408', apiError(408)],
    ['a timeout', new TimeoutError('webex', 1000)],
    ['a network error', new WebexNetworkError('POST', '/meetings', new Error('ECONNRESET'))],
    ['an unknown error', new Error('boom')],
  ])('%s is transient (undefined: rethrow and redeliver)', (_name, error) =>
    expect(classifyWebexFailure(error)).toBeUndefined(),
  );

  it('an open circuit is transient', () =>
    expect(classifyWebexFailure(new CircuitOpenError('webex', Date.now() + 1000))).toBeUndefined());
});

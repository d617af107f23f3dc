import {
  CircuitOpenError,
  ReauthorizationRequired,
  TimeoutError,
  WebexApiError,
  WebexNetworkError,
  WebexRateLimited,
  WebexRequestInvalid,
} from '@scheduler/webex';
import type { DeferReason, FailureReason } from './meeting.decider.js';

export interface PermanentFailure {
  readonly reason: FailureReason;
  /** Safe to show and to log: emails are masked, tokens never appear in Webex error bodies. */
  readonly message: string;
  readonly retryable: boolean;
  readonly webexTrackingId?: string;
}

const emailAddress = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g;
const mask = (text: string) => text.replace(emailAddress, '<email>').slice(0, 900);

/**
 * What a Webex error means for the meeting. `undefined`: transient (429 beyond the client's
 * patience, 5xx, timeouts, network, open circuit, anything unknown); the caller rethrows and
 * the transport redelivers later. Otherwise a permanent outcome to record.
 */
export function classifyWebexFailure(error: unknown): PermanentFailure | undefined {
  if (error instanceof ReauthorizationRequired)
    return {
      reason: 'reauthorization-required',
      message: 'the Webex authorization is no longer valid; the user has to connect Webex again',
      retryable: true,
      ...(error.trackingId ? { webexTrackingId: error.trackingId } : {}),
    };
  if (error instanceof WebexRequestInvalid)
    return { reason: 'webex-rejected', message: mask(error.message), retryable: false };
  if (error instanceof WebexRateLimited) return undefined;
  if (error instanceof WebexApiError) {
    if (error.status >= 500 || error.status === 408) return undefined;
    const tracking = error.trackingId ? { webexTrackingId: error.trackingId } : {};
    // A 401 that survived a token refresh: only a new authorization helps.
    if (error.status === 401)
      return {
        reason: 'reauthorization-required',
        message: `Webex refused the token for ${error.method} ${error.path}`,
        retryable: true,
        ...tracking,
      };
    return {
      reason: 'webex-rejected',
      message: mask(`Webex answered ${error.status} to ${error.method} ${error.path}: ${error.webexMessage}`),
      retryable: false,
      ...tracking,
    };
  }
  return undefined;
}

export interface TransientFailure {
  readonly reason: DeferReason;
  /** Safe to show and to log, as PermanentFailure's. */
  readonly message: string;
}

/**
 * Why a Webex call failed for a reason that passes, or `undefined` when the error is not one
 * of Webex's transient answers (a permanent one, or trouble of our own: classifyWebexFailure
 * and the caller decide). These are the failures the reconciler waits out, however long.
 */
export function transientWebexFailure(error: unknown): TransientFailure | undefined {
  const message = error instanceof Error ? mask(error.message) : 'unknown failure';
  if (error instanceof CircuitOpenError) return { reason: 'circuit-open', message };
  if (error instanceof TimeoutError) return { reason: 'webex-timeout', message };
  if (error instanceof WebexNetworkError) return { reason: 'webex-unreachable', message };
  if (error instanceof WebexRateLimited) return { reason: 'webex-rate-limited', message };
  if (error instanceof WebexApiError && (error.status >= 500 || error.status === 408))
    return { reason: 'webex-unavailable', message };
  return undefined;
}

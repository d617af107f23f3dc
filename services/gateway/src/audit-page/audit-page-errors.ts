import { ApiError } from '../api-errors/api-errors.js';

/** 401: the audit page needs a signed-in administrator (no session, or an expired one). */
export class SignInRequiredError extends ApiError {
  readonly status = 401;
  readonly code = 'sign_in_required';
  constructor() {
    super('Sign in with your Google account to see the audit page');
  }
}

export type SignInProblem = 'not_this_browser' | 'nonce_mismatch' | 'missing_id_token' | 'refused';

/** 400: a sign-in callback that cannot complete; nothing is signed in. */
export class SignInFailedError extends ApiError {
  readonly status = 400;
  readonly code = 'sign_in_failed';
  constructor(readonly problem: SignInProblem) {
    super(
      problem === 'not_this_browser'
        ? 'The sign-in was started in another browser or has expired; sign in again'
        : problem === 'nonce_mismatch'
          ? 'The ID token was not issued for this sign-in; sign in again'
          : problem === 'refused'
            ? 'Google did not sign you in'
            : 'Google sent no ID token',
      { reason: problem },
    );
  }
}

/** 404: no meeting with this id in the administrator's tenant (another tenant's is the same answer). */
export class AuditMeetingNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'meeting_not_found';
  constructor() {
    super('No meeting with this id in your tenant');
  }
}

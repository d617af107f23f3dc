import { ApiError } from '../api-errors/api-errors.js';

/** 401: the audit page needs a signed-in administrator (no session, or an expired one). */
export class SignInRequiredError extends ApiError {
  readonly status = 401;
  readonly code = 'sign_in_required';
  constructor() {
    super({ key: 'sign_in_required' });
  }
}

export type SignInProblem = 'not_this_browser' | 'nonce_mismatch' | 'missing_id_token' | 'refused';

/** 400: a sign-in callback that cannot complete; nothing is signed in. */
export class SignInFailedError extends ApiError {
  readonly status = 400;
  readonly code = 'sign_in_failed';
  constructor(readonly problem: SignInProblem) {
    super({ key: `sign_in_failed_${problem}` }, { reason: problem });
  }
}

/** 404: no meeting with this id in the administrator's tenant (another tenant's is the same answer). */
export class AuditMeetingNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'meeting_not_found';
  constructor() {
    super({ key: 'audit_meeting_not_found' });
  }
}

import { ApiError } from '../api-errors/api-errors.js';

/** 404: nothing is known about the caller (never connected an account): there is nothing to erase. */
export class AccountNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'account_not_found';
  constructor() {
    super({ key: 'account_not_found' });
  }
}

/** 409: the caller's account was erased already; nothing of it is left. */
export class AccountErasedError extends ApiError {
  readonly status = 409;
  readonly code = 'account_erased';
  constructor(erasedAt: string) {
    super({ key: 'account_erased' }, { erasedAt });
  }
}

/** 404: no erasure was asked for by this user. */
export class ErasureNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'erasure_not_found';
  constructor() {
    super({ key: 'erasure_not_found' });
  }
}

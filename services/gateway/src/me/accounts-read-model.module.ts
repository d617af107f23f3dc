import { Module } from '@nestjs/common';
import { USER_LANGUAGES } from '../api-errors/api-exception.filter.js';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { AccountsReadModel } from './accounts-read-model.js';

/**
 * The accounts read model, once per gateway: /v1/me reads it, so do the tenant's site check of
 * new meetings and the error filter (the language a user's error messages are written in).
 */
@Module({
  imports: [ReadModelStoreModule],
  providers: [AccountsReadModel, { provide: USER_LANGUAGES, useExisting: AccountsReadModel }],
  exports: [AccountsReadModel, USER_LANGUAGES],
})
export class AccountsReadModelModule {}

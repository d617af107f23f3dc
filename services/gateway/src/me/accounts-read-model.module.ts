import { Module } from '@nestjs/common';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { AccountsReadModel } from './accounts-read-model.js';

/** The accounts read model, once per gateway: /v1/me reads it, and so does the tenant's site check of new meetings. */
@Module({
  imports: [ReadModelStoreModule],
  providers: [AccountsReadModel],
  exports: [AccountsReadModel],
})
export class AccountsReadModelModule {}

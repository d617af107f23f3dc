import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { AccountsReadModelModule } from '../me/accounts-read-model.module.js';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { AccountErasure } from './account-erasure.js';
import { AccountErasureController } from './account-erasure.controller.js';
import { AccountErasureReadModel } from './account-erasure-read-model.js';

/** `DELETE /v1/me` and `GET /v1/me/erasure`: the user's erasure, recorded by webex-bridge. */
@Module({
  imports: [AuthenticationModule, ReadModelStoreModule, AccountsReadModelModule],
  controllers: [AccountErasureController],
  providers: [AccountErasureReadModel, AccountErasure],
})
export class AccountErasureModule {}

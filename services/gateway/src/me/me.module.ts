import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { AccountStatus } from './account-status.js';
import { AccountsReadModel } from './accounts-read-model.js';
import { MeController } from './me.controller.js';

/**
 * The user's own status: whether their Google and Webex accounts are connected or need a
 * reconnect, the Webex site and template new meetings use, and their meeting preferences
 * (checked and recorded by webex-bridge). Projected from the account streams.
 */
@Module({
  imports: [AuthenticationModule, ReadModelStoreModule],
  controllers: [MeController],
  providers: [AccountsReadModel, AccountStatus],
  // The account erasure checks that there is an account to erase.
  exports: [AccountsReadModel],
})
export class MeModule {}

import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { AccountStatus } from './account-status.js';
import { AccountsReadModelModule } from './accounts-read-model.module.js';
import { MeController } from './me.controller.js';

/**
 * The user's own status: whether their Google and Webex accounts are connected or need a
 * reconnect, the Webex site and template new meetings use, and their meeting preferences
 * (checked and recorded by webex-bridge). Projected from the account streams; also the
 * language the API's error messages are written in for the user.
 */
@Module({
  imports: [AuthenticationModule, ReadModelStoreModule, AccountsReadModelModule],
  controllers: [MeController],
  providers: [AccountStatus],
})
export class MeModule {}

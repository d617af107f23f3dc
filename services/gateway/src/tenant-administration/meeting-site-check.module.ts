import { Module } from '@nestjs/common';
import { AccountsReadModelModule } from '../me/accounts-read-model.module.js';
import { MeetingSiteCheck } from './meeting-site-check.js';
import { TenantPolicyModule } from './tenant-policy.module.js';

/** The tenant's allowed sites, checked before a meeting is requested. */
@Module({
  imports: [TenantPolicyModule, AccountsReadModelModule],
  providers: [MeetingSiteCheck],
  exports: [MeetingSiteCheck],
})
export class MeetingSiteCheckModule {}

import { Module } from '@nestjs/common';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { TenantAdministrationHandlers } from './tenant-administration.handlers.js';
import { TenantAdministrators } from './tenant-administrators.js';

/**
 * Tenant administration: whether a user is a Workspace administrator (the Directory, asked
 * with the user's token), and the tenant's settings on `tenant-<tenantId>`, which only
 * administrators change.
 */
@Module({
  imports: [GoogleTokensModule],
  controllers: [TenantAdministrationHandlers],
  providers: [
    {
      provide: TenantAdministrators,
      inject: [GoogleTokenStore],
      useFactory: (tokens: GoogleTokenStore) => new TenantAdministrators(tokens),
    },
  ],
})
export class TenantAdministrationModule {}

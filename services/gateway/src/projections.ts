// The gateway's read-model projections, by name: the gateway runs them, and the operators'
// CLI (tools/cli, `scheduler audit replay`) rebuilds them with the same definitions.
import { z } from 'zod';
import type { JsonDocument, ProjectionDefinition } from '@scheduler/read-models';
import { gatewayEnvironment } from './config.js';
import { accountErasuresProjection } from './account-erasure/account-erasure-projection.js';
import { accountsProjection } from './me/accounts-projection.js';
import { meetingsProjection } from './meetings/meetings-projection.js';
import { tenantsProjection } from './tenant-administration/tenants-projection.js';

export const gatewayProjections: ReadonlyMap<string, ProjectionDefinition<JsonDocument>> = new Map([
  [meetingsProjection.name, meetingsProjection as unknown as ProjectionDefinition<JsonDocument>],
  [accountsProjection.name, accountsProjection as unknown as ProjectionDefinition<JsonDocument>],
  [tenantsProjection.name, tenantsProjection as unknown as ProjectionDefinition<JsonDocument>],
  [
    accountErasuresProjection.name,
    accountErasuresProjection as unknown as ProjectionDefinition<JsonDocument>,
  ],
]);

/** Where the gateway's read models live, as the gateway's own configuration names it. */
export const gatewayReadModelEnvironment = z.object({
  READ_MODEL_URL: gatewayEnvironment.shape.READ_MODEL_URL,
});

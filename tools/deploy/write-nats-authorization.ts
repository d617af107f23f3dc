// npm run nats:authorization: writes the production nats-server users (deploy/k8s/nats/authorization.conf)
// from the contracts. A unit test (nats-authorization.unit.spec.ts) fails when it is stale.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsAuthorizationFile, productionNatsAuthorization } from './nats-authorization.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '../..', natsAuthorizationFile);
writeFileSync(path, productionNatsAuthorization());
console.log(`wrote ${path}`);

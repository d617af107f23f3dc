import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { busUsers } from '@scheduler/contracts';
import {
  natsAuthorizationFile,
  natsPasswordVariable,
  productionNatsAuthorization,
} from './nats-authorization.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the production NATS users (deploy/k8s/nats/authorization.conf)', () => {
  it('is what the contracts derive today (run `npm run nats:authorization` after changing them)', () => {
    expect(readFileSync(join(repositoryRoot, natsAuthorizationFile), 'utf8')).toBe(
      productionNatsAuthorization(),
    );
  });

  it('names every user once, each with a password read from the environment, never written in the file', () => {
    const config = productionNatsAuthorization();
    for (const user of busUsers) {
      expect(config.match(new RegExp(`user: "${user}"\\n`, 'g'))).toHaveLength(1);
      expect(config).toContain(`password: $${natsPasswordVariable(user)}\n`);
    }
    expect(natsPasswordVariable('google-ingest')).toBe('GOOGLE_INGEST_NATS_PASSWORD');
    expect(config).not.toMatch(/password: "/);
  });
});

describe("the chart's NATS users", () => {
  it.each(['gateway', 'google-ingest', 'webex-bridge', 'retention'] as const)(
    'logs %s in as the user of its own name, one the generated configuration defines',
    (service) => {
      const configMap = readFileSync(
        join(repositoryRoot, `deploy/k8s/scheduler/templates/${service}/configmap.yaml`),
        'utf8',
      );
      expect(configMap).toContain(`\n  NATS_USER: "${service}"\n`);
      expect(busUsers).toContain(service);
      expect(productionNatsAuthorization()).toContain(`user: "${service}"\n`);
    },
  );
});

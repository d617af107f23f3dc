// One jest run, three projects chosen by file suffix (design §9):
//   unit: *.unit.spec.ts, no I/O
//   int:  *.int.spec.ts, real NATS and PostgreSQL (started once by the global set-up)
//   e2e:  *.e2e.spec.ts, the whole stack with the emulators
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const swcConfig = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));
delete swcConfig.$schema;

const shared = {
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

// Workspace packages resolve to their TypeScript sources, so tests never need a build.
const projectSources = {
  '^@scheduler/gateway/projections$': '<rootDir>/services/gateway/src/projections.ts',
  '^@scheduler/(emulators|test-harness)$': '<rootDir>/tools/$1/src/index.ts',
  '^@scheduler/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

const project = (displayName, suffix, extra = {}) => ({
  ...shared,
  moduleNameMapper: projectSources,
  displayName,
  testMatch: [`<rootDir>/{libs,services,tools,bench}/**/*.${suffix}.spec.ts`],
  ...extra,
});

const infrastructure = {
  globalSetup: '<rootDir>/libs/testing/global-setup.mjs',
  globalTeardown: '<rootDir>/libs/testing/global-teardown.mjs',
};

export default {
  projects: [
    project('unit', 'unit'),
    project('int', 'int', infrastructure),
    project('e2e', 'e2e', infrastructure),
  ],
  testTimeout: 30_000,
  testSequencer: '<rootDir>/libs/testing/test-sequencer.mjs',
};

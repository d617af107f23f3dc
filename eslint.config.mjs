import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { createProjectGraphAsync } from '@nx/devkit';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads Nx's cached project graph and silently skips every check
// when there is none (a fresh clone): build it first, whoever runs eslint.
await createProjectGraphAsync({ exitOnError: true });

// Dependencies point one way. Each project's tags are in its package.json (project.json for the
// tools/ folders that are no package):
//   type:lib      libs/*: depend on libs only
//   type:service  services/*: depend on libs only (never on another service or a tool)
//   type:tool     tools/*: libs and other tools
//   type:bench    bench: libs and tools
// tools/emulators is also type:emulator: the only stand-in for Google and Webex, so a service's
// tests may start it (see the override for test files below); libraries' tests may not.
// Import cycles, within a project too, are checked by dependency-cruiser (.dependency-cruiser.cjs).
const depConstraints = [
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
];
const moduleBoundaries = (constraints) => [
  'error',
  { allow: [], depConstraints: constraints, enforceBuildableLibDependency: false },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      'coverage/**',
      'libs/contracts/schemas/**',
      'bench/results/**',
      // The project's own tool installs (nats-server, helm, the Python venv of the fuzz bench).
      '.tools/**',
      '.schemathesis/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Nest injects by the constructor's design:paramtypes: those imports are values, not types.
      parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['**/*.{ts,mjs}'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(depConstraints) },
  },
  {
    // A service's tests drive the Google and Webex emulators; its production code never does.
    files: ['services/*/src/**/*.spec.ts', 'services/*/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(
        depConstraints.map((constraint) =>
          constraint.sourceTag === 'type:service'
            ? { ...constraint, onlyDependOnLibsWithTags: ['type:lib', 'type:emulator'] }
            : constraint,
        ),
      ),
    },
  },
  {
    // The operators' CLI rebuilds the services' read models with the services' own projection
    // definitions (and reads their configuration schema), exported as
    // `@scheduler/gateway/projections`; it imports nothing else of a service.
    files: ['tools/cli/src/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(
        depConstraints.map((constraint) =>
          constraint.sourceTag === 'type:tool'
            ? { ...constraint, onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:service'] }
            : constraint,
        ),
      ),
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
);

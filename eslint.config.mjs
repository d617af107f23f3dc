import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const services = ['gateway', 'google-ingest', 'webex-bridge', 'retention'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.nx/**',
      'coverage/**',
      'libs/contracts/schemas/**',
      'bench/results/**',
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
  // Module boundaries: libs are imported by package name, never by a relative path into
  // another project; a service never imports another service; a lib never imports a service.
  {
    files: ['libs/**/*.ts', 'tools/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: services.map((name) => ({
            name: `@scheduler/${name}`,
            message: 'libs and tools never import a service',
          })),
          patterns: [
            { group: ['**/services/**'], message: 'libs and tools never import a service' },
            {
              group: ['../../*', '../../../*'],
              message: 'import another project by its package name (@scheduler/<name>)',
            },
          ],
        },
      ],
    },
  },
  ...services.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: services
            .filter((other) => other !== service)
            .map((other) => ({
              name: `@scheduler/${other}`,
              message: 'a service never imports another service; use events and commands',
            })),
          patterns: [
            {
              group: ['**/services/**'],
              message: 'a service never imports another service; use events and commands',
            },
            {
              group: ['../../*', '../../../*'],
              message: 'import a lib by its package name (@scheduler/<name>)',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
);

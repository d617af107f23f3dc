// `npm run lint` runs this: no module may reach itself through its imports. Type-only imports
// count too (tsPreCompilationDeps): a cycle of types still ties the modules' design together.
// Which project may depend on which is eslint's @nx/enforce-module-boundaries (eslint.config.mjs).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-import-cycle',
      severity: 'error',
      comment: 'Move what both modules need into a third one that imports neither.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'An import the cycle check cannot resolve is an import it cannot see.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['/dist/', '^bench/results/', '^libs/contracts/schemas/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      // Workspace packages resolve to their TypeScript sources, as under jest and the loader.
      conditionNames: ['development', 'types', 'import', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.mjs', '.js', '.json'],
    },
  },
};

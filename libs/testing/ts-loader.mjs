// Node module hooks that run the TypeScript sources directly (tests spawn services this
// way, so they never depend on a stale build; the jest global set-up loads through it too).
// Usage: node --import @scheduler/testing/ts-loader services/x/src/main.ts
// Production and `npm start` run the swc build in dist/ instead.
import { registerHooks } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';

const swcOptions = JSON.parse(readFileSync(new URL('../../.swcrc', import.meta.url), 'utf8'));
delete swcOptions.$schema;

registerHooks({
  resolve(specifier, context, nextResolve) {
    // Workspace packages export their TypeScript sources under the "development" condition.
    const conditions = context.conditions?.includes('development')
      ? context.conditions
      : [...(context.conditions ?? []), 'development'];
    context = { ...context, conditions };
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      // Sources import siblings as './x.js' (NodeNext style); the file on disk is x.ts.
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(specifier.slice(0, -3) + '.ts', context);
      }
      throw error;
    }
  },
  load(url, context, nextLoad) {
    if (!url.endsWith('.ts')) return nextLoad(url, context);
    const filename = fileURLToPath(url);
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      ...swcOptions,
      swcrc: false,
      filename,
      sourceMaps: 'inline',
    });
    return { format: 'module', source: code, shortCircuit: true };
  },
});

import { fileURLToPath } from 'node:url';

/**
 * The module hooks that run TypeScript sources without a build (`node --import <this> file.ts`),
 * for tests that start a real child process. The file sits beside src/ and dist/ alike.
 */
export const typeScriptLoaderPath = fileURLToPath(new URL('../ts-loader.mjs', import.meta.url));

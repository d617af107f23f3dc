#!/usr/bin/env node
// `npx scheduler …` from the repository root: runs the CLI's TypeScript sources through the
// project's loader (as `npm run demo` and the benchmarks do), so it never runs a stale build.
// npx puts node_modules/.bin first on PATH, so `node` here is the project's Node 24.
import '@scheduler/testing/ts-loader';

// A reader that stopped early (`scheduler audit export … | head`) is not a failure: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

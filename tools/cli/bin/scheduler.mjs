#!/usr/bin/env node
// `npx scheduler …` from the repository root: runs the CLI's TypeScript sources through the
// project's loader (as `npm run demo` and the benchmarks do), so it never runs a stale build.
// npx puts node_modules/.bin first on PATH, so `node` here is the project's Node 24.
import '@scheduler/testing/ts-loader';
import { runCli } from './run-cli.mjs';

await runCli(() => import('../src/main.ts'));

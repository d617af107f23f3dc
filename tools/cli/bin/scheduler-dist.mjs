#!/usr/bin/env node
// The CLI as the production image runs it: the swc build, with no TypeScript loader
// (`kubectl exec deploy/<release>-gateway -- node tools/cli/bin/scheduler-dist.mjs …`).
import { runCli } from './run-cli.mjs';

await runCli(() => import('../dist/main.js'));

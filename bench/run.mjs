// npm run bench -- <name>: runs bench/<name>.ts (TypeScript sources, through the project's
// loader). Each benchmark prints a table and writes bench/results/<name>.json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.startsWith('_'))
  .map((file) => file.slice(0, -3));
const name = process.argv[2];
if (!name || !existsSync(join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
const child = spawn(
  process.execPath,
  [
    '--import',
    fileURLToPath(import.meta.resolve('@scheduler/testing/ts-loader')),
    join(here, `${name}.ts`),
    ...process.argv.slice(3),
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The Python tools a benchmark runs, installed by the project itself into .tools/venv (a
// virtualenv of the repository's own, never the system's), pinned to exact versions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** schemathesis from PyPI: the OpenAPI fuzzer of `npm run bench -- openapi-fuzz`. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const venv = fileURLToPath(new URL('../.tools/venv/', import.meta.url));
const venvBin = (name: string) => `${venv}bin/${name}`;

const run = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: 'inherit', encoding: 'utf8' }).status === 0;

const installedVersion = (): string | undefined => {
  const result = spawnSync(venvBin('schemathesis'), ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? /(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] : undefined;
};

/**
 * The schemathesis executable at the pinned version, installing it when missing; undefined
 * (with the reason printed) where there is no python3 or no venv module to install it with.
 */
export function ensureSchemathesis(): string | undefined {
  if (installedVersion() === SCHEMATHESIS_VERSION) return venvBin('schemathesis');
  if (spawnSync('python3', ['--version']).status !== 0) {
    console.log('python3 is not on PATH: schemathesis cannot be installed, so the fuzz run is skipped.');
    return undefined;
  }
  if (!existsSync(venvBin('pip')) && !run('python3', ['-m', 'venv', venv])) {
    console.log(
      'python3 has no venv module (Debian: apt-get install python3-venv); the fuzz run is skipped.',
    );
    return undefined;
  }
  console.log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into .tools/venv…`);
  if (!run(venvBin('pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]))
    throw new Error(`pip could not install schemathesis==${SCHEMATHESIS_VERSION}; see its output above`);
  return venvBin('schemathesis');
}

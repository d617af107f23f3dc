// Which helm checks the chart. Only node: imports and erasable types, so that
// tools/dev/preflight.mjs imports this very file (Node 24 strips the types) before anything is
// built: the preflight installs the binary that the chart tests then run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The release the preflight installs with `go install` into the project's .tools/bin. */
export const pinnedHelmVersion = '4.3.2';
export const helmGoPackage = 'helm.sh/helm/v4/cmd/helm';
/**
 * Helm's release build stamps the version in at link time; a plain `go install` would report
 * "v4.3". The same stamp makes `helm version` name the release the module proxy served.
 */
export const helmGoBuildFlags = [
  '-ldflags',
  `-X helm.sh/helm/v4/internal/version.version=v${pinnedHelmVersion}`,
];

/** Where the preflight puts helm: `projectToolsBin` of @scheduler/local-infra, beside nats-server. */
export const projectHelm = (projectToolsBin: string): string => join(projectToolsBin, 'helm');

/**
 * The binary the chart tests run: HELM_BIN, then the project's own install, then helm on PATH.
 * Undefined when there is none.
 */
export function locateHelm(projectToolsBin: string): string | undefined {
  for (const candidate of [process.env.HELM_BIN, projectHelm(projectToolsBin)]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** "4.3.2" from `helm version --short` ("v4.3.2+g1a2b3c4"), or undefined when it cannot be read. */
export function helmVersion(binary: string): string | undefined {
  const result = spawnSync(binary, ['version', '--short'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return undefined;
  return /\bv?(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
}

/** Why the chart tests are skipped when locateHelm finds nothing. */
export const helmMissingReason =
  `no helm: neither .tools/bin/helm (npm test builds v${pinnedHelmVersion} there when Go is on PATH), ` +
  'nor HELM_BIN, nor helm on PATH';

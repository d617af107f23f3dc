// Which helm checks the chart. Only node: imports and erasable types, so that
// tools/dev/preflight.mjs imports this very file (Node 24 strips the types) before anything is
// built: the preflight installs the binary that the chart tests then run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * While the preflight builds helm in the background (minutes with a cold Go cache), this file
 * holds the build's pid; the build's output goes to helmBuildLog.
 */
export const helmBuildMarker = (projectToolsBin: string): string =>
  join(projectToolsBin, '..', 'helm-build.pid');
export const helmBuildLog = (projectToolsBin: string): string =>
  join(projectToolsBin, '..', 'helm-build.log');

/** True while a background build of helm (started by the preflight) is running. */
export function helmBuildRunning(projectToolsBin: string): boolean {
  const marker = helmBuildMarker(projectToolsBin);
  if (!existsSync(marker)) return false;
  const pid = Number(readFileSync(marker, 'utf8'));
  try {
    process.kill(pid, 0);
    return Number.isInteger(pid) && pid > 0;
  } catch {
    return false;
  }
}

/** Resolves once no background build of helm is running (or after `limitMs`). */
export async function helmBuildFinished(projectToolsBin: string, limitMs = 45 * 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (helmBuildRunning(projectToolsBin) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
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

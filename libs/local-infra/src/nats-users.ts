import { randomBytes } from 'node:crypto';
import {
  busPermissions,
  busUsers,
  type BusNames,
  type BusPermissions,
  type BusUser,
} from '@scheduler/contracts';

/** One user of nats-server's `authorization` block; without permissions it may do anything. */
export interface NatsUser {
  readonly user: string;
  /** The password itself, or `{ environmentVariable }` for a config that reads it at start (`$NAME`). */
  readonly password: string | { readonly environmentVariable: string };
  readonly permissions?: BusPermissions;
}

/** A user's credentials, as a service gets them (NATS_USER, NATS_PASSWORD). */
export interface NatsCredentials {
  readonly user: string;
  readonly password: string;
}

const quoted = (value: string) => JSON.stringify(value);

/** `name: { allow: [ … ] }`, one subject a line, indented under a user's `permissions`. */
function rule(name: string, subjects: readonly string[]): string[] {
  // An empty allow list would allow everything; deny everything instead.
  if (subjects.length === 0) return [`  ${name}: { deny: [">"] }`];
  return [
    `  ${name}: {`,
    '    allow: [',
    ...subjects.map((subject) => `      ${quoted(subject)}`),
    '    ]',
    '  }',
  ];
}

function permissionsBlock(permissions: BusPermissions): string[] {
  return [
    'permissions: {',
    ...rule('publish', permissions.publish),
    ...rule('subscribe', permissions.subscribe),
    ...(permissions.allowResponses ? ['  allow_responses: true'] : []),
    '}',
  ];
}

/**
 * nats-server's `authorization { users [...] }` block: every client must log in as one of
 * these users (anonymous clients are refused), each limited to its permissions.
 */
export function natsAuthorizationConfig(users: readonly NatsUser[]): string {
  if (users.length === 0) throw new Error('an authorization block needs at least one user');
  const entries = users.map((entry) => {
    if (!/^[A-Za-z0-9_-]+$/.test(entry.user))
      throw new Error(`NATS user "${entry.user}" is not a plain name`);
    const password =
      typeof entry.password === 'string'
        ? quoted(entry.password)
        : `$${entry.password.environmentVariable.replace(/[^A-Z0-9_]/g, '')}`;
    const fields = [
      `user: ${quoted(entry.user)}`,
      `password: ${password}`,
      ...(entry.permissions ? permissionsBlock(entry.permissions) : []),
    ];
    return ['    {', ...fields.map((line) => `      ${line}`), '    }'].join('\n');
  });
  return `authorization {\n  users: [\n${entries.join('\n')}\n  ]\n}\n`;
}

/**
 * The bus's users for a local deployment (`npm start`, the tests): one per service and the
 * admin CLI's, each with a fresh random password and the permissions the contracts derive for
 * the given bus names (`anyBusPrefix` on a server that test files share).
 */
export function localBusUsers(
  names: BusNames,
  /** Passwords to keep (the dev stack keeps them across restarts, for the CLI). */
  kept: Partial<Record<string, string>> = {},
): Record<BusUser, NatsUser & NatsCredentials> {
  return Object.fromEntries(
    busUsers.map((user) => [
      user,
      {
        user,
        password: kept[user] ?? randomBytes(18).toString('base64url'),
        permissions: busPermissions(user, names),
      },
    ]),
  ) as Record<BusUser, NatsUser & NatsCredentials>;
}

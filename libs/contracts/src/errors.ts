import type { z } from 'zod';

/**
 * Passed to every contract parse: zod's default for an absent field ("expected string, received
 * undefined") reads like a type error, while the fix is to supply the field.
 */
export const contractErrorMap: z.core.$ZodErrorMap = (issue) =>
  (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined
    ? 'is required'
    : undefined;

export interface ContractIssue {
  /** Where, e.g. "data.invitees[0].email". */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text || '(root)';
}

export function toContractIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ContractIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...prefix, ...issue.path, key]),
        message: 'is not allowed (unknown field)',
      }));
    }
    return [{ path: formatPath([...prefix, ...issue.path]), message: issue.message }];
  });
}

/** A message did not satisfy its contract. Never retried: the same bytes fail the same way. */
export class ContractViolationError extends Error {
  constructor(
    readonly contract: string,
    readonly issues: readonly ContractIssue[],
  ) {
    super(
      `${contract} violates its contract: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'ContractViolationError';
  }
}

/** An event type that no contract in the catalogue defines. */
export class UnknownEventTypeError extends Error {
  constructor(readonly type: string) {
    super(`unknown event type "${type}"`);
    this.name = 'UnknownEventTypeError';
  }
}

/** An event written by a newer version of the code than this one, or with no upcaster path. */
export class UnsupportedSchemaVersionError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      schemaVersion > supportedVersion
        ? `${type} schemaVersion ${schemaVersion} is newer than this build supports (${supportedVersion}); upgrade the consumer`
        : `${type} schemaVersion ${schemaVersion} has no upcaster to version ${supportedVersion}`,
    );
    this.name = 'UnsupportedSchemaVersionError';
  }
}

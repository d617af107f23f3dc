import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { type FieldProblem, InvalidRequestError } from './api-errors.js';

/** Every zod issue as a named field; unknown keys become one problem per key. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: 'is not allowed' }));
    return [{ path: base || '(root)', message: issue.message }];
  });
}

/** zod error map for API input: "is required" for absent values, otherwise the schema's own message. */
export const apiInputErrors = (issue: { code?: string; input?: unknown; message?: string }) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/** Validates one part of the request with a zod schema; failures are a 400 naming every bad field. */
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  // Readable so the OpenAPI document describes each route by the very schema it validates with.
  constructor(
    readonly schema: Schema,
    readonly location: 'body' | 'query' | 'path',
  ) {}

  transform(value: unknown): z.output<Schema> {
    const result = this.schema.safeParse(value, { error: apiInputErrors });
    if (result.success) return result.data;
    const problems = fieldProblems(result.error).map((problem) =>
      problem.path === '(root)' ? { ...problem, path: `(${this.location})` } : problem,
    );
    throw new InvalidRequestError(this.location, problems);
  }
}

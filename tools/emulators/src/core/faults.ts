import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

/** One injected fault. `times` faults the next N matching requests (default: until cleared). */
export const FaultRule = z.strictObject({
  /** Which requests: an HTTP method (or "*") and a path prefix such as "/v1/meetings". */
  method: z.string().default('*'),
  pathPrefix: z.string().startsWith('/'),
  /** Added latency before the request is handled (or before the fault answers). */
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  /**
   * Handle the request at once but hold its answer this long: the server has done the work
   * (a meeting is created) while the client still waits, as when a response is slow or lost.
   */
  responseLatencyMs: z.number().int().min(0).max(120_000).default(0),
  /** Answer with this status instead of handling the request. */
  status: z.number().int().min(400).max(599).optional(),
  /** Seconds, sent as Retry-After with the status. */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** For Google: the error reason, e.g. "rateLimitExceeded". */
  reason: z.string().optional(),
  /** Never answer (the client must time out). */
  timeout: z.boolean().default(false),
  times: z.number().int().positive().optional(),
});
export type FaultRule = z.infer<typeof FaultRule>;

export interface FaultAnswer {
  status: number;
  retryAfterSeconds?: number;
  reason?: string;
}

/**
 * Per-route fault injection shared by both emulators. Each emulator renders the fault in
 * its own API's error shape through `render`.
 */
export class FaultInjector {
  private rules: Array<FaultRule & { id: number; remaining: number | undefined }> = [];
  private nextId = 1;

  add(rule: z.input<typeof FaultRule>): number {
    const parsed = FaultRule.parse(rule);
    const id = this.nextId++;
    this.rules.push({ ...parsed, id, remaining: parsed.times });
    return id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ReadonlyArray<FaultRule & { id: number; remaining: number | undefined }> {
    return this.rules;
  }

  /** Takes the first matching rule (consuming one of its `times`). */
  take(method: string, path: string): FaultRule | undefined {
    // Clients percent-encode path parameters (a calendar id "a@b" arrives as "a%40b"); a prefix
    // may be written either way.
    const decoded = safeDecode(path);
    const index = this.rules.findIndex(
      (rule) =>
        (rule.method === '*' || rule.method.toUpperCase() === method.toUpperCase()) &&
        (path.startsWith(rule.pathPrefix) || decoded.startsWith(rule.pathPrefix)),
    );
    if (index === -1) return undefined;
    const rule = this.rules[index]!;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules.splice(index, 1);
    }
    return rule;
  }

  middleware(render: (response: Response, fault: FaultAnswer) => void) {
    return (request: Request, response: Response, next: NextFunction) => {
      const rule = this.take(request.method, request.path);
      if (!rule) return next();
      if (rule.responseLatencyMs > 0) holdAnswer(response, rule.responseLatencyMs);
      const proceed = () => {
        if (rule.timeout) return; // hold the connection open; the client's timeout fires
        if (rule.status === undefined) return next();
        if (rule.retryAfterSeconds !== undefined)
          response.setHeader('Retry-After', String(rule.retryAfterSeconds));
        render(response, {
          status: rule.status,
          ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
          ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
        });
      };
      if (rule.latencyMs > 0) setTimeout(proceed, rule.latencyMs);
      else proceed();
    };
  }
}

/** Every way express answers ends in response.end: delay that call, after the handler ran. */
function holdAnswer(response: Response, milliseconds: number): void {
  const end = response.end.bind(response) as (...args: unknown[]) => Response;
  response.end = ((...args: unknown[]) => {
    setTimeout(() => end(...args), milliseconds);
    return response;
  }) as Response['end'];
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

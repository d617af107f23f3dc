import type { NextFunction, Request, Response } from 'express';

export interface LoggedRequest {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly status: number;
}

/** Every API request an emulator received, for inspection by tests (bounded). */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  constructor(private readonly limit = 10_000) {}

  middleware() {
    return (request: Request, response: Response, next: NextFunction) => {
      response.on('finish', () => {
        this.entries.push({
          at: new Date().toISOString(),
          method: request.method,
          path: request.path,
          query: { ...request.query },
          body: request.body,
          status: response.statusCode,
        });
        if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
      });
      next();
    };
  }

  list(filter: { method?: string; pathPrefix?: string } = {}): readonly LoggedRequest[] {
    return this.entries.filter(
      (entry) =>
        (!filter.method || entry.method === filter.method.toUpperCase()) &&
        (!filter.pathPrefix || entry.path.startsWith(filter.pathPrefix)),
    );
  }

  clear(): void {
    this.entries = [];
  }
}

import { Injectable, NotFoundException, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { API_PREFIX } from '../api-errors/api-exception.filter.js';
import { ApiRouteTable } from './api-route-table.js';

/**
 * Express matches routes in registration order, so GET /v1/meetings/from-gmail would reach
 * GET /v1/meetings/:id (and answer 400 for its id). The route table matches concrete paths
 * first: a method the matched path does not serve is unrouted, which the exception filter
 * answers as 405 with Allow.
 */
@Injectable()
export class UnservedMethodMiddleware implements NestMiddleware {
  constructor(private readonly routes: ApiRouteTable) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    const path = (request.originalUrl ?? request.url).split('?')[0]!;
    if (path.startsWith(`${API_PREFIX}/`)) {
      const allowed = this.routes.allowedMethods(path);
      if (allowed.length > 0 && !allowed.includes(request.method.toUpperCase()))
        throw new NotFoundException(`${request.method} ${path} is not served`);
    }
    next();
  }
}
